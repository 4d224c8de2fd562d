import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { DeskReader } from './desk-reader.ts';
import { encodeSecretTlv } from './ndef.ts';

export interface ReaderEnrollment {
  userId: number;
  /** Write a fresh secret onto the tag (NTAG21x) and store its hash: the badge then needs both. */
  withSecret?: boolean;
  label?: string;
  timeoutMs?: number;
}

export interface EnrolledAtReader {
  id: number;
  uid: string;
  secretWritten: boolean;
}

/**
 * Enrolls the next badge tapped on the desk reader for a user. A UID already enrolled is refused (the
 * reader shows it as rejected). With a secret, the secret is written to the tag while it is still on
 * the reader and read back; if that fails the new badge is revoked at once and the enrollment fails,
 * so no badge is left enrolled with a secret its tag does not carry. The secret itself never leaves
 * the server except onto the tag.
 */
export async function enrollAtReader(reader: DeskReader, services: Services, input: ReaderEnrollment): Promise<EnrolledAtReader> {
  const captured = await reader.captureNextTap(input.timeoutMs ?? 60_000);
  let badge: Awaited<ReturnType<Services['badges']['enroll']>>;
  try {
    badge = await services.badges.enroll({ userId: input.userId, uid: captured.tap.uid, withSecret: input.withSecret, label: input.label });
  } catch (error) {
    await captured.finish({ outcome: 'rejected' });
    throw error;
  }
  if (badge.secret === undefined) {
    await captured.finish({ outcome: 'accepted' });
    return { id: badge.id, uid: badge.uid, secretWritten: false };
  }
  const written = await captured.finish({ outcome: 'accepted', write: encodeSecretTlv(badge.secret) });
  if (!written.ok) {
    await services.badges.revoke(badge.id, 'secret_not_written');
    throw new AppError('BADGE_WRITE_FAILED', `the secret could not be written to badge ${badge.uid} (${written.error ?? 'unknown error'}); hold it still and try again`);
  }
  return { id: badge.id, uid: badge.uid, secretWritten: true };
}
