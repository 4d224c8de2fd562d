import { sql, type ExpressionBuilder } from 'kysely';
import { rulesOf } from '../db/dialect.ts';
import type { TapinDb } from '../db/open.ts';
import { preparedQuery } from '../db/prepared.ts';
import { latestCreation } from '../access/access-session.repository.ts';
import type { Database, KioskRow } from '../db/schema.ts';

export async function insertKiosk(
  db: TapinDb,
  kiosk: { name: string; location: string | null; keyHash: string; now: number },
): Promise<KioskRow> {
  return db
    .insertInto('kiosks')
    .values({ name: kiosk.name, location: kiosk.location, key_hash: kiosk.keyHash, created_at: kiosk.now, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const byKeyHash = preparedQuery(['keyHash'], (db: TapinDb, p: { keyHash: string }) =>
  db.selectFrom('kiosks').selectAll().where('key_hash', '=', p.keyHash).where('revoked_at', 'is', null),
);

export async function findActiveKioskByKeyHash(db: TapinDb, keyHash: string): Promise<KioskRow | undefined> {
  return (await byKeyHash(db, { keyHash }))[0];
}

export async function setKioskKeyHash(db: TapinDb, id: number, keyHash: string): Promise<void> {
  await db.updateTable('kiosks').set({ key_hash: keyHash }).where('id', '=', id).execute();
}

export async function findKiosk(db: TapinDb, id: number): Promise<KioskRow | undefined> {
  return db.selectFrom('kiosks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The newest live access session at the kiosk of the outer query: who is signed in there. */
const signedInAt = (eb: ExpressionBuilder<Database, 'kiosks'>, now: number) =>
  eb
    .selectFrom('access_sessions')
    .innerJoin('users', 'users.id', 'access_sessions.user_id')
    .whereRef('access_sessions.kiosk_id', '=', 'kiosks.id')
    .where('access_sessions.revoked_at', 'is', null)
    .where('access_sessions.expires_at', '>', now)
    .where('access_sessions.created_at', '<=', latestCreation(now))
    .where('users.disabled_at', 'is', null)
    .orderBy('access_sessions.created_at', 'desc')
    .limit(1);

/** Kiosks for the console (active first, then by name), each with when it was last seen and who is signed in. */
export async function listKiosks(db: TapinDb, now: number, id?: number) {
  let query = db
    .selectFrom('kiosks')
    .select(['kiosks.id', 'kiosks.name', 'kiosks.location', 'kiosks.created_at', 'kiosks.revoked_at', 'kiosks.last_seen_at', 'kiosks.app_version'])
    .select((eb) => [
      // Kiosks seen before last_seen_at was kept still have their screens' last login session.
      eb
        .selectFrom('login_sessions')
        .select((s) => s.fn.max<number>('login_sessions.created_at').as('at'))
        .whereRef('login_sessions.kiosk_id', '=', 'kiosks.id')
        .as('last_session_at'),
      signedInAt(eb, now).select('users.id').as('signed_in_user_id'),
      signedInAt(eb, now).select('users.display_name').as('signed_in_name'),
    ])
    .orderBy(sql`kiosks.revoked_at is null`, 'desc')
    .orderBy(rulesOf(db).orderIgnoringCase('kiosks.name'))
    .orderBy('kiosks.id');
  if (id !== undefined) query = query.where('kiosks.id', '=', id);
  return query.execute();
}
