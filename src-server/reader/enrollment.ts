import { CLI_ACTOR, type Actor } from '../audit/audit.repository.ts';
import type { Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { cleanName, type PublicUser } from '../users/user.service.ts';
import type { DeskReader } from './desk-reader.ts';
import { encodeSecretTlv } from './ndef.ts';

export interface ReaderEnrollment {
  /** An existing user, or `newUser` to create one once the badge is on the reader. */
  userId?: number;
  newUser?: { displayName: string; role?: Role };
  /** Write a fresh secret onto the tag (NTAG21x) and store its hash: the badge then needs both. */
  withSecret?: boolean;
  label?: string;
  timeoutMs?: number;
  /** Aborting (the administrator left the screen) stops waiting for the tap. */
  signal?: AbortSignal;
}

export interface EnrolledAtReader {
  id: number;
  uid: string;
  user: PublicUser;
  secretWritten: boolean;
}

/**
 * Enrolls the next badge tapped on the desk reader, for an existing user or for a new one created only
 * once a badge is there (a timeout leaves nothing behind). A UID already enrolled is refused, naming
 * its holder (the reader shows it as rejected). With a secret, the secret is written to the tag while
 * it is still on the reader and read back; if that fails the new badge is revoked at once and the
 * enrollment fails, so no badge is left enrolled with a secret its tag does not carry. The secret
 * itself never leaves the server except onto the tag.
 */
export async function enrollAtReader(reader: DeskReader, services: Services, input: ReaderEnrollment, actor: Actor = CLI_ACTOR): Promise<EnrolledAtReader> {
  if ((input.userId === undefined) === (input.newUser === undefined)) {
    throw new AppError('INVALID_REQUEST', 'give either userId (an existing user) or newUser (to create one)');
  }
  // Everything that can be checked before the tap is checked first: the administrator hears at once.
  const existing = input.userId === undefined ? undefined : await services.users.get(input.userId);
  if (existing?.disabledAt) throw new AppError('INVALID_REQUEST', `${existing.displayName} is disabled; enable them first`);
  if (input.newUser) cleanName(input.newUser.displayName, 'name');
  if (input.label !== undefined) cleanName(input.label, 'label');

  const captured = await reader.captureNextTap(input.timeoutMs ?? 60_000, input.signal);
  let badge: Awaited<ReturnType<Services['badges']['enroll']>>;
  let user: PublicUser;
  try {
    const holder = await services.badges.activeHolder(captured.tap.uid);
    if (holder) throw new AppError('BADGE_ALREADY_ENROLLED', `badge ${captured.tap.uid} is already enrolled (${holder.displayName}); revoke it first`);
    user = existing ?? (await services.users.add({ name: input.newUser?.displayName ?? '', role: input.newUser?.role }, actor));
    badge = await services.badges.enroll({ userId: user.id, uid: captured.tap.uid, withSecret: input.withSecret, label: input.label }, actor);
  } catch (error) {
    await captured.finish({ outcome: 'rejected' });
    throw error;
  }
  const result = { id: badge.id, uid: badge.uid, user: { id: user.id, displayName: user.displayName, role: user.role } };
  if (badge.secret === undefined) {
    await captured.finish({ outcome: 'accepted' });
    return { ...result, secretWritten: false };
  }
  const written = await captured.finish({ outcome: 'accepted', write: encodeSecretTlv(badge.secret) });
  if (!written.ok) {
    await services.badges.revoke(badge.id, 'secret_not_written', actor);
    throw new AppError('BADGE_WRITE_FAILED', `the secret could not be written to badge ${badge.uid} (${written.error ?? 'unknown error'}); hold it still and try again`);
  }
  return { ...result, secretWritten: true };
}
