import { CLI_ACTOR, type Actor } from '../audit/audit.repository.ts';
import { SECRET_NOT_WRITTEN } from '../badges/revoke-reasons.ts';
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
 * Where an enrollment at the reader records its badge: this server's own services, or — at a kiosk
 * joined to a site — the site's server over HTTP with the administrator's own token (src-main).
 */
export interface EnrollmentDirectory {
  /** Refuses, before anyone taps, what would fail after: the user unknown or disabled, no right to change things. */
  userToEnroll(userId: number): Promise<PublicUser>;
  /** Checks, before the tap, that changes may be made at all (the server's step-up). */
  mayChange(): Promise<void>;
  /** The name of whoever holds the active badge with this UID. */
  holderOf(uid: string): Promise<string | undefined>;
  addUser(newUser: { displayName: string; role?: Role }): Promise<PublicUser>;
  /** Records the badge; `secret` is the fresh one to write to the tag, known only here until then. */
  enroll(input: { userId: number; uid: string; withSecret?: boolean; label?: string }): Promise<{ id: number; uid: string; secret?: string }>;
  /** The secret could not be written to the tag: the badge must not stay enrolled. */
  revokeUnwritten(badgeId: number): Promise<void>;
}

/** This server's own services as an enrollment's directory, acting as `actor` in the audit log. */
export function servicesDirectory(services: Services, actor: Actor = CLI_ACTOR): EnrollmentDirectory {
  return {
    async userToEnroll(userId) {
      const user = await services.users.get(userId);
      if (user.disabledAt) throw new AppError('INVALID_REQUEST', `${user.displayName} is disabled; enable them first`);
      return { id: user.id, displayName: user.displayName, role: user.role };
    },
    // The route's own guard checked it (step-up) before the enrollment began.
    mayChange: () => Promise.resolve(),
    holderOf: async (uid) => (await services.badges.activeHolder(uid))?.displayName,
    addUser: (newUser) => services.users.add({ name: newUser.displayName, role: newUser.role }, actor),
    enroll: (input) => services.badges.enroll(input, actor),
    async revokeUnwritten(badgeId) {
      await services.badges.revoke(badgeId, SECRET_NOT_WRITTEN, actor);
    },
  };
}

/** An enrollment as the API asks for one (`POST /api/v1/admin/reader/enrollments`). */
export interface ReaderEnrollmentRequest {
  userId?: number;
  newUser?: { displayName: string; role?: Role };
  withSecret?: boolean;
  label?: string;
  timeoutSeconds?: number;
}

/**
 * The one enrollment that may wait at a reader, answered in the API's shape, and calling it off — for
 * the server's route and for a joined kiosk's console alike. A second one meanwhile is READER_BUSY and
 * leaves the first one cancellable.
 */
export function readerEnrollments() {
  let waiting: AbortController | undefined;
  return {
    get waiting(): boolean {
      return waiting !== undefined;
    },
    async enroll(reader: Pick<DeskReader, 'captureNextTap'>, directory: EnrollmentDirectory, request: ReaderEnrollmentRequest, signal?: AbortSignal) {
      if (waiting) throw new AppError('READER_BUSY', 'the desk reader is already waiting for a badge to enroll');
      const mine = new AbortController();
      waiting = mine;
      const callOff = () => mine.abort();
      signal?.addEventListener('abort', callOff, { once: true });
      try {
        const { userId, newUser, withSecret, label, timeoutSeconds } = request;
        const enrolled = await enrollAtReader(reader, directory, { userId, newUser, withSecret, label, timeoutMs: (timeoutSeconds ?? 60) * 1000, signal: mine.signal });
        return { badge: { id: enrolled.id, uid: enrolled.uid }, user: enrolled.user, secretWritten: enrolled.secretWritten };
      } finally {
        signal?.removeEventListener('abort', callOff);
        if (waiting === mine) waiting = undefined;
      }
    },
    /** Calls off the enrollment waiting for a tap, if any (it then fails with NO_BADGE_TAPPED). */
    cancel(): void {
      waiting?.abort();
    },
  };
}

async function revokedInTwoTries(directory: EnrollmentDirectory, badgeId: number): Promise<boolean> {
  for (const pause of [0, 1_000]) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      await directory.revokeUnwritten(badgeId);
      return true;
    } catch {
      // tried again once, below; then said to the administrator
    }
  }
  return false;
}

/**
 * Enrolls the next badge tapped on the desk reader, for an existing user or for a new one created only
 * once a badge is there (a timeout leaves nothing behind). A UID already enrolled is refused, naming
 * its holder (the reader shows it as rejected). With a secret, the secret is written to the tag while
 * it is still on the reader and read back; if that fails the new badge is revoked at once and the
 * enrollment fails, so no badge is left enrolled with a secret its tag does not carry. The secret
 * itself goes nowhere but onto the tag.
 */
export async function enrollAtReader(reader: Pick<DeskReader, 'captureNextTap'>, directory: EnrollmentDirectory, input: ReaderEnrollment): Promise<EnrolledAtReader> {
  if ((input.userId === undefined) === (input.newUser === undefined)) {
    throw new AppError('INVALID_REQUEST', 'give either userId (an existing user) or newUser (to create one)');
  }
  // Everything that can be checked before the tap is checked first: the administrator hears at once.
  if (input.newUser) cleanName(input.newUser.displayName, 'name');
  if (input.label !== undefined) cleanName(input.label, 'label');
  await directory.mayChange();
  const existing = input.userId === undefined ? undefined : await directory.userToEnroll(input.userId);

  const captured = await reader.captureNextTap(input.timeoutMs ?? 60_000, input.signal);
  let badge: Awaited<ReturnType<EnrollmentDirectory['enroll']>>;
  let user: PublicUser;
  try {
    const holder = await directory.holderOf(captured.tap.uid);
    if (holder !== undefined) throw new AppError('BADGE_ALREADY_ENROLLED', `badge ${captured.tap.uid} is already enrolled (${holder}); revoke it first`);
    user = existing ?? (await directory.addUser(input.newUser ?? { displayName: '' }));
    badge = await directory.enroll({ userId: user.id, uid: captured.tap.uid, withSecret: input.withSecret, label: input.label });
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
    const why = `the secret could not be written to badge ${badge.uid} (${written.error ?? 'unknown error'})`;
    if (!(await revokedInTwoTries(directory, badge.id))) {
      // Never silent: a badge whose tag lacks its secret stays enrolled until someone revokes it.
      throw new AppError('BADGE_WRITE_FAILED', `${why}, and the new badge (id ${badge.id}) could not be revoked: revoke it in the console before trying again`);
    }
    throw new AppError('BADGE_WRITE_FAILED', `${why}; hold it still and try again`);
  }
  return { ...result, secretWritten: true };
}
