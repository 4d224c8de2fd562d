import type { TapinDb } from '../db/open.ts';
import type { Role, UserRow } from '../db/schema.ts';

export async function insertUser(db: TapinDb, user: { displayName: string; role: Role; now: number }): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({ display_name: user.displayName, role: user.role, created_at: user.now, disabled_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUser(db: TapinDb, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}
