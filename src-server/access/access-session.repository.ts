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
  expires_at: number;
  user_id: number;
  display_name: string;
  role: Role;
}

/** Unrevoked, unexpired access sessions of enabled users, with who they belong to. */
const liveAccess = (db: TapinDb, now: number) =>
  db
    .selectFrom('access_sessions')
    .innerJoin('users', 'users.id', 'access_sessions.user_id')
    .select([
      'access_sessions.id',
      'access_sessions.kiosk_id',
      'access_sessions.expires_at',
      'access_sessions.user_id',
      'users.display_name',
      'users.role',
    ])
    .where('access_sessions.revoked_at', 'is', null)
    .where('access_sessions.expires_at', '>', now)
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
