import { Value } from 'typebox/value';
import { ReaderEnrollmentBody } from '../src-server/admin/admin.schemas.ts';
import { SECRET_NOT_WRITTEN } from '../src-server/badges/revoke-reasons.ts';
import type { DeskReader } from '../src-server/reader/desk-reader.ts';
import { readerEnrollments, type EnrollmentDirectory } from '../src-server/reader/enrollment.ts';
import type { PublicUser } from '../src-server/users/user.service.ts';
import { ApiError, type HttpMethod } from '../src-renderer/src/bridge/types.ts';

/** A call to the site's admin API with the administrator's own token (the site client's user transport). */
export type SiteRequest = (method: HttpMethod, path: string, accessToken: string, body?: unknown) => Promise<unknown>;

interface UserSummary extends PublicUser {
  disabledAt: string | null;
}

/**
 * The site's server as an enrollment's directory: every change is the administrator's own API call
 * (their token, their step-up, their name in the audit log). The secret comes back from the server
 * once and goes onto the tag, nowhere else.
 */
export function siteDirectory(request: SiteRequest, accessToken: string): EnrollmentDirectory {
  const call = <T>(method: HttpMethod, path: string, body?: unknown) => request(method, path, accessToken, body) as Promise<T>;
  return {
    async mayChange() {
      // The server's own rule (admin-access.ts), asked before the wait: an administrator (403 otherwise),
      // with a PIN, entered recently. `stepUpValidUntil` is given only while the step-up holds.
      const session = await call<{ pinSet: boolean; pinLocked: boolean; stepUpValidUntil: string | null }>('GET', 'admin/session');
      if (!session.pinSet) throw new ApiError('PIN_NOT_SET', 403, 'administrators must have a PIN: set yours first');
      if (session.pinLocked) throw new ApiError('PIN_LOCKED', 403, 'this PIN is locked after too many wrong tries; another administrator must set a new one');
      if (session.stepUpValidUntil === null) throw new ApiError('STEP_UP_REQUIRED', 403, 'enter your PIN again to make changes');
    },
    async userToEnroll(userId) {
      const user = await call<UserSummary>('GET', `admin/users/${userId}`);
      if (user.disabledAt) throw new ApiError('INVALID_REQUEST', 400, `${user.displayName} is disabled; enable them first`);
      return { id: user.id, displayName: user.displayName, role: user.role };
    },
    async holderOf(uid) {
      // The directory search matches badge UIDs; the badge lists say which holds this one, active.
      // (Should another administrator enroll it meanwhile, the server's unique UID still refuses it.)
      const found = await call<{ items: UserSummary[] }>('GET', `admin/users?q=${encodeURIComponent(uid)}&status=all&limit=20`);
      for (const user of found.items) {
        const badges = await call<{ items: { uid: string; revokedAt: string | null }[] }>('GET', `admin/users/${user.id}/badges`);
        if (badges.items.some((badge) => badge.uid === uid && badge.revokedAt === null)) return user.displayName;
      }
      return undefined;
    },
    addUser: (newUser) => call<PublicUser>('POST', 'admin/users', { displayName: newUser.displayName, ...(newUser.role ? { role: newUser.role } : {}) }),
    enroll: ({ userId, uid, withSecret, label }) =>
      call('POST', `admin/users/${userId}/badges`, { uid, ...(withSecret ? { withSecret } : {}), ...(label !== undefined ? { label } : {}) }),
    async revokeUnwritten(badgeId) {
      await call('POST', `admin/badges/${badgeId}/revoke`, { reason: SECRET_NOT_WRITTEN });
    },
  };
}

export interface KioskReaderEnrollmentOptions {
  /** This kiosk's desk reader, while it runs (joined-kiosk.ts). */
  reader(): Pick<DeskReader, 'state' | 'capturing' | 'captureNextTap'> | undefined;
  /** This kiosk's id on the site's server, null when it does not know. */
  kioskId(): Promise<number | null>;
  request: SiteRequest;
}

/**
 * The console's desk reader calls (`admin/reader`, `admin/reader/enrollments`) at a kiosk joined to a
 * site: the reader is this kiosk's, not the server's, so they are answered here, with the same shapes
 * and errors as the server's routes (admin-reader.routes.ts). What a call may see or change is the site
 * server's to say, from the administrator's token; calling off a wait needs no one's (it only frees the
 * reader), so that a sign-out that ended the token first still frees it.
 */
export function kioskReaderEnrollment(options: KioskReaderEnrollmentOptions) {
  const enrollments = readerEnrollments();

  async function enroll(accessToken: string, body: unknown) {
    if (!Value.Check(ReaderEnrollmentBody, body)) {
      const [first] = Value.Errors(ReaderEnrollmentBody, body);
      throw new ApiError('INVALID_REQUEST', 400, `body${first?.instancePath ?? ''} ${first?.message ?? 'is not an enrollment'}`);
    }
    const reader = options.reader();
    if (!reader) throw new ApiError('READER_NOT_ATTACHED', 404, 'this kiosk has no desk reader running');
    return enrollments.enroll(reader, siteDirectory(options.request, accessToken), body);
  }

  return {
    /** The answer to one of those calls, or undefined when the call is not one of them (it goes to the server). */
    handle(method: string, path: string, accessToken: string, body: unknown): Promise<unknown> | undefined {
      if (method === 'GET' && path === 'admin/reader') {
        return (async () => {
          await options.request('GET', 'admin/session', accessToken);
          const reader = options.reader();
          return { attached: reader !== undefined, kioskId: reader ? await options.kioskId() : null, state: reader?.state ?? null, enrolling: reader?.capturing ?? false };
        })();
      }
      if (method === 'POST' && path === 'admin/reader/enrollments') return enroll(accessToken, body);
      if (method === 'DELETE' && path === 'admin/reader/enrollments') {
        enrollments.cancel();
        return Promise.resolve(null);
      }
      return undefined;
    },
    /** The console is gone (sign-out, idle lock, window closed): a wait for a tap ends with it. */
    cancel(): void {
      enrollments.cancel();
    },
  };
}
