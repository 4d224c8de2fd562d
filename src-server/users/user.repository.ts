import { sql } from 'kysely';
import { rulesOf } from '../db/dialect.ts';
import type { TapinDb } from '../db/open.ts';
import type { Role, UserRow } from '../db/schema.ts';
import { PIN_LOCK_FAILURES } from './pin.ts';

export async function insertUser(
  db: TapinDb,
  user: { displayName: string; role: Role; now: number; pinHash?: string | null; externalId?: string | null; disabled?: boolean },
): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      display_name: user.displayName,
      role: user.role,
      created_at: user.now,
      disabled_at: user.disabled ? user.now : null,
      pin_hash: user.pinHash ?? null,
      external_id: user.externalId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUser(db: TapinDb, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface UserListQuery {
  /** One user by id (the console's detail view). */
  id?: number;
  q?: string;
  role?: Role;
  status?: 'active' | 'disabled' | 'all';
  sort?: 'name' | 'created' | 'role';
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface UserListRow {
  id: number;
  display_name: string;
  role: Role;
  created_at: number;
  disabled_at: number | null;
  has_pin: number;
  pin_locked: number;
  active_badges: number;
}

const hexOf = (q: string) => q.replace(/[:\s-]/g, '').toUpperCase();
const isHexFragment = (q: string) => /^[0-9A-F]{2,}$/.test(hexOf(q));

/** A page of users for the console, with what its table shows about each. */
export async function listUsers(db: TapinDb, query: UserListQuery): Promise<{ rows: UserListRow[]; total: number }> {
  let base = db.selectFrom('users');
  if (query.q) {
    const q = query.q.trim();
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    base = base.where((eb) =>
      eb.or([
        rulesOf(db).likeIgnoringCase('users.display_name', like),
        ...(/^\d+$/.test(q) ? [eb('users.id', '=', Number(q))] : []),
        // A badge UID (or part of one, with or without separators) finds its holder.
        ...(isHexFragment(q)
          ? [
              eb.exists(
                eb
                  .selectFrom('badges')
                  .select('badges.id')
                  .whereRef('badges.user_id', '=', 'users.id')
                  .where('badges.revoked_at', 'is', null)
                  .where('badges.uid', 'like', `%${hexOf(q)}%`),
              ),
            ]
          : []),
      ]),
    );
  }
  if (query.id !== undefined) base = base.where('users.id', '=', query.id);
  if (query.role) base = base.where('users.role', '=', query.role);
  if (query.status === 'active') base = base.where('users.disabled_at', 'is', null);
  if (query.status === 'disabled') base = base.where('users.disabled_at', 'is not', null);

  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const column = query.sort === 'created' ? 'users.created_at' : query.sort === 'role' ? 'users.role' : 'users.display_name';
  const order = query.order ?? 'asc';
  const rows = await base
    .select([
      'users.id',
      'users.display_name',
      'users.role',
      'users.created_at',
      'users.disabled_at',
      // 1 or 0 in both dialects (PostgreSQL would answer a boolean).
      sql<number>`case when users.pin_hash is not null then 1 else 0 end`.as('has_pin'),
      sql<number>`case when users.pin_failures >= ${PIN_LOCK_FAILURES} then 1 else 0 end`.as('pin_locked'),
      (eb) =>
        eb
          .selectFrom('badges')
          .select((b) => b.fn.countAll<number>().as('n'))
          .whereRef('badges.user_id', '=', 'users.id')
          .where('badges.revoked_at', 'is', null)
          .as('active_badges'),
    ])
    .orderBy(column === 'users.display_name' ? rulesOf(db).orderIgnoringCase('users.display_name') : column, order)
    .orderBy('users.id', order)
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return { rows: rows as UserListRow[], total: Number(total.n) };
}

/** Enabled administrators other than `exceptId`: there must always be one left. */
export async function countOtherActiveAdmins(db: TapinDb, exceptId: number): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where('id', '!=', exceptId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
