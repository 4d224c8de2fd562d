import { sql } from 'kysely';
import type { TapinDb } from '../db/open.ts';
import { preparedQuery } from '../db/prepared.ts';
import type { Database, LoginSessionRow, NewLoginSession } from '../db/schema.ts';
import { overAt, runningAt } from './login-session.lifetime.ts';

export type LoginSessionWithKiosk = LoginSessionRow & { kiosk_name: string; kiosk_location: string | null };

const insert = preparedQuery<Database, LoginSessionRow, never>(
  ['id', 'token_hash', 'kiosk_secret_hash', 'kiosk_id', 'status', 'created_at', 'expires_at', 'authenticated_at', 'consumed_at', 'user_id', 'badge_id', 'rejected_badges', 'pin_required', 'pin_attempts', 'watchers'],
  (db, row) => db.insertInto('login_sessions').values(row),
);

export async function insertLoginSession(db: TapinDb, session: NewLoginSession): Promise<void> {
  await insert(db, { authenticated_at: null, consumed_at: null, user_id: null, badge_id: null, rejected_badges: 0, pin_required: 0, pin_attempts: 0, watchers: 0, ...session });
}

// Sessions with their kiosk's name and location. Those come from scalar subqueries rather than a
// join: a join row costs better-sqlite3 about 1.5 µs more per column (24 µs against 5 µs for a session
// looked up by id, on every phone request).
const sessionsWithKiosk = (db: TapinDb) =>
  db
    .selectFrom('login_sessions')
    .selectAll('login_sessions')
    .select((eb) => [
      eb.selectFrom('kiosks').select('name').whereRef('kiosks.id', '=', 'login_sessions.kiosk_id').as('kiosk_name'),
      eb.selectFrom('kiosks').select('location').whereRef('kiosks.id', '=', 'login_sessions.kiosk_id').as('kiosk_location'),
    ])
    // A session's kiosk always exists (a foreign key, deleted with it): its name is never null.
    .$castTo<LoginSessionWithKiosk>();

const byIdWithKiosk = preparedQuery(['id'], (db: TapinDb, p: { id: string }) => sessionsWithKiosk(db).where('login_sessions.id', '=', p.id));

/** A session with the kiosk it belongs to (the phone names it before unlocking). */
export async function findLoginSessionWithKiosk(db: TapinDb, id: string): Promise<LoginSessionWithKiosk | undefined> {
  return (await byIdWithKiosk(db, { id }))[0];
}

/** The sessions still waiting at a kiosk, newest first (a few: a kiosk shows one code at a time). */
export async function findPendingAtKiosk(db: TapinDb, kioskId: number, now: number, limit = 5): Promise<LoginSessionWithKiosk[]> {
  return sessionsWithKiosk(db)
    .where('login_sessions.kiosk_id', '=', kioskId)
    .where('login_sessions.status', '=', 'pending')
    .where(runningAt(now))
    .orderBy('login_sessions.created_at', 'desc')
    .limit(limit)
    .execute();
}

/** A screen starts (+1) or stops (-1) following a session. */
export async function countWatcher(db: TapinDb, id: string, change: 1 | -1): Promise<void> {
  await db
    .updateTable('login_sessions')
    .set((eb) => ({ watchers: eb('watchers', '+', change) }))
    .where('id', '=', id)
    .execute();
}

const byId = preparedQuery(['id'], (db: TapinDb, p: { id: string }) => db.selectFrom('login_sessions').selectAll().where('id', '=', p.id));

export async function findLoginSession(db: TapinDb, id: string): Promise<LoginSessionRow | undefined> {
  return (await byId(db, { id }))[0];
}

const authenticate = preparedQuery(
  ['id', 'userId', 'badgeId', 'pinRequired', 'now'],
  (db: TapinDb, p: { id: string; userId: number; badgeId: number; pinRequired: number; now: number }) =>
    db
      .updateTable('login_sessions')
      .set({ status: 'authenticated', authenticated_at: p.now, user_id: p.userId, badge_id: p.badgeId, pin_required: p.pinRequired })
      .where('id', '=', p.id)
      .where('status', '=', 'pending')
      .where(runningAt(p.now))
      .returningAll(),
);

/**
 * pending → authenticated, in one conditional statement: of concurrent validations exactly one
 * finds the row still pending and unexpired. Returns the updated row, or undefined for the losers.
 */
export async function markAuthenticated(
  db: TapinDb,
  id: string,
  change: { userId: number; badgeId: number; pinRequired: boolean; now: number },
): Promise<LoginSessionRow | undefined> {
  return (await authenticate(db, { id, ...change, pinRequired: change.pinRequired ? 1 : 0 }))[0];
}

/**
 * Takes one of a session's PIN attempts before the PIN is checked, so that concurrent guesses can
 * never add up to more than `limit`. Undefined when the session is not waiting or has none left.
 */
export async function takePinAttempt(db: TapinDb, id: string, limit: number, now: number): Promise<number | undefined> {
  const row = await db
    .updateTable('login_sessions')
    .set({ pin_attempts: sql<number>`pin_attempts + 1` })
    .where('id', '=', id)
    .where('status', '=', 'authenticated')
    .where(runningAt(now))
    .where('pin_attempts', '<', limit)
    .returning('pin_attempts')
    .executeTakeFirst();
  return row?.pin_attempts;
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
    .where(runningAt(now))
    .returning(['rejected_badges', 'status'])
    .executeTakeFirst();
}

const consume = preparedQuery(['id', 'now'], (db: TapinDb, p: { id: string; now: number }) =>
  db
    .updateTable('login_sessions')
    .set({ status: 'consumed', consumed_at: p.now })
    .where('id', '=', p.id)
    .where('status', '=', 'authenticated')
    .where(runningAt(p.now))
    .returningAll(),
);

/** authenticated → consumed, once: the exchange that wins gets the row back. */
export async function markConsumed(db: TapinDb, id: string, now: number): Promise<LoginSessionRow | undefined> {
  return (await consume(db, { id, now }))[0];
}

/** Ends an authenticated session that must not be exchanged after all (user disabled, PIN wrong too often). */
export async function abandonLoginSession(db: TapinDb, id: string): Promise<LoginSessionRow | undefined> {
  return db.updateTable('login_sessions').set({ status: 'expired' }).where('id', '=', id).where('status', '=', 'authenticated').returningAll().executeTakeFirst();
}

// Well under any dialect's limit on bound parameters.
const EXPIRE_BATCH = 500;

/** Writes down the end of those sessions that are past their lifetime; the others are left as they are. */
export async function markExpired(db: TapinDb, ids: readonly string[], now: number): Promise<LoginSessionRow[]> {
  const ended: LoginSessionRow[] = [];
  for (let i = 0; i < ids.length; i += EXPIRE_BATCH) {
    const rows = await db
      .updateTable('login_sessions')
      .set({ status: 'expired' })
      .where('id', 'in', ids.slice(i, i + EXPIRE_BATCH))
      .where('status', 'in', ['pending', 'authenticated'])
      .where(overAt(now))
      .returningAll()
      .execute();
    ended.push(...rows);
  }
  return ended;
}
