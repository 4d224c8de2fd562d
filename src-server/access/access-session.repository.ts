import { CLOCK_STEP_BACK_TOLERANCE_MS } from '../clock.ts';
import type { TapinDb } from '../db/open.ts';
import type { Role } from '../db/schema.ts';

export async function insertAccessSession(
  db: TapinDb,
  session: {
    id: string;
    tokenHash: string;
    userId: number;
    kioskId: number | null;
    loginSessionId: string | null;
    now: number;
    expiresAt: number;
    pinConfirmedAt: number | null;
  },
): Promise<void> {
  await db
    .insertInto('access_sessions')
    .values({
      id: session.id,
      token_hash: session.tokenHash,
      user_id: session.userId,
      kiosk_id: session.kioskId,
      login_session_id: session.loginSessionId,
      created_at: session.now,
      expires_at: session.expiresAt,
      revoked_at: null,
      pin_confirmed_at: session.pinConfirmedAt,
    })
    .execute();
}

export interface LiveAccessSession {
  id: string;
  kiosk_id: number | null;
  created_at: number;
  expires_at: number;
  pin_confirmed_at: number | null;
  user_id: number;
  display_name: string;
  role: Role;
}

/** The latest creation time a session live at `now` may have: one further on means the clock was set back past it. */
export const latestCreation = (now: number) => now + CLOCK_STEP_BACK_TOLERANCE_MS;

/** Unrevoked, unexpired access sessions of enabled users, with who they belong to. */
const liveAccess = (db: TapinDb, now: number) =>
  db
    .selectFrom('access_sessions')
    .innerJoin('users', 'users.id', 'access_sessions.user_id')
    .select([
      'access_sessions.id',
      'access_sessions.kiosk_id',
      'access_sessions.created_at',
      'access_sessions.expires_at',
      'access_sessions.pin_confirmed_at',
      'access_sessions.user_id',
      'users.display_name',
      'users.role',
    ])
    .where('access_sessions.revoked_at', 'is', null)
    .where('access_sessions.expires_at', '>', now)
    .where('access_sessions.created_at', '<=', latestCreation(now))
    .where('users.disabled_at', 'is', null);

/** The live access session a token hash names. */
export async function findLiveAccessSession(db: TapinDb, tokenHash: string, now: number): Promise<LiveAccessSession | undefined> {
  return liveAccess(db, now).where('access_sessions.token_hash', '=', tokenHash).executeTakeFirst();
}

/** The newest live access session opened at a kiosk: who is signed in there now. */
export async function findLiveAccessAtKiosk(db: TapinDb, kioskId: number, now: number): Promise<LiveAccessSession | undefined> {
  return liveAccess(db, now).where('access_sessions.kiosk_id', '=', kioskId).orderBy('access_sessions.created_at', 'desc').limit(1).executeTakeFirst();
}

export async function revokeAccessSession(db: TapinDb, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('access_sessions')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Every live access session, newest first, with where it was opened; optionally one user's only. */
export async function listLiveAccess(db: TapinDb, now: number, userId?: number) {
  let query = liveAccess(db, now)
    .leftJoin('kiosks', 'kiosks.id', 'access_sessions.kiosk_id')
    .select(['kiosks.name as kiosk_name'])
    .orderBy('access_sessions.created_at', 'desc');
  if (userId !== undefined) query = query.where('access_sessions.user_id', '=', userId);
  return query.execute();
}

export async function findLiveAccessById(db: TapinDb, id: string, now: number): Promise<LiveAccessSession | undefined> {
  return liveAccess(db, now).where('access_sessions.id', '=', id).executeTakeFirst();
}

export async function confirmPin(db: TapinDb, id: string, now: number): Promise<void> {
  await db.updateTable('access_sessions').set({ pin_confirmed_at: now }).where('id', '=', id).execute();
}

/** Live access sessions of a user, or opened at a kiosk (disabled users' included: they are ending). */
export async function findOpenAccess(db: TapinDb, now: number, of: { userId: number } | { kioskId: number }) {
  return db
    .selectFrom('access_sessions')
    .select(['id', 'kiosk_id', 'user_id'])
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('created_at', '<=', latestCreation(now))
    .where('userId' in of ? 'user_id' : 'kiosk_id', '=', 'userId' in of ? of.userId : of.kioskId)
    .execute();
}
