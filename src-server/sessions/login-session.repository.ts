import { sql } from 'kysely';
import type { TapinDb } from '../db/open.ts';
import type { LoginSessionRow, NewLoginSession } from '../db/schema.ts';

export async function insertLoginSession(db: TapinDb, session: NewLoginSession): Promise<void> {
  await db.insertInto('login_sessions').values(session).execute();
}

/** The session a QR token names, with the kiosk it belongs to (the phone names it before unlocking). */
export async function findLoginSessionByTokenHash(
  db: TapinDb,
  tokenHash: string,
): Promise<(LoginSessionRow & { kiosk_name: string; kiosk_location: string | null }) | undefined> {
  return db
    .selectFrom('login_sessions')
    .innerJoin('kiosks', 'kiosks.id', 'login_sessions.kiosk_id')
    .selectAll('login_sessions')
    .select(['kiosks.name as kiosk_name', 'kiosks.location as kiosk_location'])
    .where('login_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function findLoginSession(db: TapinDb, id: string): Promise<LoginSessionRow | undefined> {
  return db.selectFrom('login_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * pending → authenticated, in one conditional statement: of concurrent validations exactly one
 * finds the row still pending and unexpired. Returns the updated row, or undefined for the losers.
 */
export async function markAuthenticated(
  db: TapinDb,
  id: string,
  change: { userId: number; badgeId: number; now: number },
): Promise<LoginSessionRow | undefined> {
  return db
    .updateTable('login_sessions')
    .set({ status: 'authenticated', authenticated_at: change.now, user_id: change.userId, badge_id: change.badgeId })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', change.now)
    .returningAll()
    .executeTakeFirst();
}

/** Counts a rejected badge against a pending session, expiring it at the limit. */
export async function countRejectedBadge(
  db: TapinDb,
  id: string,
  limit: number,
  now: number,
): Promise<Pick<LoginSessionRow, 'rejected_badges' | 'status'> | undefined> {
  return db
    .updateTable('login_sessions')
    .set({
      rejected_badges: sql<number>`rejected_badges + 1`,
      status: sql`case when rejected_badges + 1 >= ${limit} then 'expired' else status end`,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .returning(['rejected_badges', 'status'])
    .executeTakeFirst();
}

/** authenticated → consumed, once: the exchange that wins gets the row back. */
export async function markConsumed(db: TapinDb, id: string, now: number): Promise<LoginSessionRow | undefined> {
  return db
    .updateTable('login_sessions')
    .set({ status: 'consumed', consumed_at: now })
    .where('id', '=', id)
    .where('status', '=', 'authenticated')
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

/** Writes down the expiry of one session whose time has passed; undefined when it had already ended. */
export async function markExpired(db: TapinDb, id: string, now: number): Promise<LoginSessionRow | undefined> {
  return db
    .updateTable('login_sessions')
    .set({ status: 'expired' })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'authenticated'])
    .where('expires_at', '<=', now)
    .returningAll()
    .executeTakeFirst();
}
