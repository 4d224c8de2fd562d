import { randomUUID } from 'node:crypto';
import { recordAudit, recordChange, type Actor } from '../audit/audit.repository.ts';
import { hashSecret, randomToken } from '../crypto.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { isoTime } from '../sessions/login-session.view.ts';
import { toPublicUser, type PublicUser } from '../users/user.service.ts';
import { kioskChannel } from '../realtime/event-bus.ts';
import {
  findLiveAccessAtKiosk,
  findLiveAccessById,
  findLiveAccessSession,
  findOpenAccess,
  insertAccessSession,
  listLiveAccess,
  revokeAccessSession,
  type LiveAccessSession,
} from './access-session.repository.ts';

/** A live access session as the console lists it. */
export interface AccessSummary {
  id: string;
  user: { id: number; displayName: string; role: 'user' | 'admin' };
  kiosk: { id: number; name: string } | null;
  createdAt: string;
  expiresAt: string;
}

export interface IssuedAccess {
  accessToken: string;
  expiresAt: string;
}

const unauthenticated = () => new AppError('UNAUTHENTICATED', 'a valid access token is required (Authorization: Bearer <access token>)');

export function accessSessionService({ db, clock, config, bus }: Pick<Deps, 'db' | 'clock' | 'config' | 'bus'>) {
  async function live(accessToken: string | undefined): Promise<LiveAccessSession> {
    const session = accessToken ? await findLiveAccessSession(db, hashSecret(accessToken), clock.now()) : undefined;
    if (!session) throw unauthenticated();
    return session;
  }

  /** Ends an access session, writes it down, and tells its kiosk screen (which may not have asked). */
  async function end(session: LiveAccessSession, context: { source: 'kiosk' | 'desk-reader' | 'reader-agent'; clientAddress?: string }): Promise<void> {
    const now = clock.now();
    if (!(await revokeAccessSession(db, session.id, now))) return;
    await recordAudit(db, now, {
      event: 'logout',
      outcome: 'success',
      source: context.source,
      clientAddress: context.clientAddress ?? null,
      kioskId: session.kiosk_id,
      userId: session.user_id,
    });
    if (session.kiosk_id !== null) bus.publish(kioskChannel(session.kiosk_id), { type: 'signedOut', userId: session.user_id });
  }

  /** Ends sessions on an administrator's say-so: audited as theirs, and each kiosk screen is told. */
  async function revokeRows(rows: { id: string; kiosk_id: number | null; user_id: number }[], actor: Actor): Promise<number> {
    let revoked = 0;
    for (const row of rows) {
      const now = clock.now();
      if (!(await revokeAccessSession(db, row.id, now))) continue;
      revoked += 1;
      await recordChange(db, now, actor, 'access.revoke', { userId: row.user_id, kioskId: row.kiosk_id, details: { accessSessionId: row.id } });
      if (row.kiosk_id !== null) bus.publish(kioskChannel(row.kiosk_id), { type: 'signedOut', userId: row.user_id });
    }
    return revoked;
  }

  return Object.freeze({
    /** Opens an access session for a user; the token is returned once and stored only as a hash. */
    async issue(
      input: { userId: number; kioskId: number | null; loginSessionId: string | null; pinConfirmedAt?: number | null },
      tx = db,
    ): Promise<IssuedAccess> {
      const accessToken = randomToken();
      const now = clock.now();
      const expiresAt = now + config.accessTtlSeconds * 1000;
      await insertAccessSession(tx, {
        id: randomUUID(),
        tokenHash: hashSecret(accessToken),
        userId: input.userId,
        kioskId: input.kioskId,
        loginSessionId: input.loginSessionId,
        now,
        expiresAt,
        pinConfirmedAt: input.pinConfirmedAt ?? null,
      });
      return { accessToken, expiresAt: isoTime(expiresAt) };
    },

    async me(accessToken: string | undefined): Promise<PublicUser> {
      const session = await live(accessToken);
      return toPublicUser({ id: session.user_id, display_name: session.display_name, role: session.role });
    },

    async logout(accessToken: string | undefined, context: { clientAddress?: string }): Promise<void> {
      await end(await live(accessToken), { source: 'kiosk', clientAddress: context.clientAddress });
    },

    /** Who is signed in at a kiosk now, if anyone. */
    liveAtKiosk: (kioskId: number) => findLiveAccessAtKiosk(db, kioskId, clock.now()),

    end,

    /** The live session a token names (the admin API's guard starts here). */
    live,

    async list(userId?: number): Promise<AccessSummary[]> {
      const rows = await listLiveAccess(db, clock.now(), userId);
      return rows.map((row) => ({
        id: row.id,
        user: { id: row.user_id, displayName: row.display_name, role: row.role },
        kiosk: row.kiosk_id === null ? null : { id: row.kiosk_id, name: row.kiosk_name ?? '' },
        createdAt: isoTime(row.created_at),
        expiresAt: isoTime(row.expires_at),
      }));
    },

    async revoke(id: string, actor: Actor): Promise<void> {
      const session = await findLiveAccessById(db, id, clock.now());
      if (!session) throw new AppError('ACCESS_SESSION_NOT_FOUND', 'no such live access session');
      await revokeRows([session], actor);
    },

    endAllOf: async (userId: number, actor: Actor) => revokeRows(await findOpenAccess(db, clock.now(), { userId }), actor),
    endAllAt: async (kioskId: number, actor: Actor) => revokeRows(await findOpenAccess(db, clock.now(), { kioskId }), actor),
  });
}

export type AccessSessionService = ReturnType<typeof accessSessionService>;
