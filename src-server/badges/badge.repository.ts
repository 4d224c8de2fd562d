import { sql } from 'kysely';
import type { TapinDb } from '../db/open.ts';
import { preparedQuery } from '../db/prepared.ts';
import type { BadgeRow } from '../db/schema.ts';

export interface BadgeWithHolder {
  id: number;
  uid: string;
  secret_hash: string | null;
  revoked_at: number | null;
  user_id: number;
  display_name: string;
  role: 'user' | 'admin';
  disabled_at: number | null;
  /** 1 when the holder has a PIN to give after the badge. */
  has_pin: number;
}

// Looked up at every tap: the holder's columns come from scalar subqueries on their primary key
// rather than a join, which costs better-sqlite3 about 1.5 µs more per column and row.
const badgeWithHolder = (db: TapinDb) =>
  db
    .selectFrom('badges')
    .select(['badges.id', 'badges.uid', 'badges.secret_hash', 'badges.revoked_at', 'badges.user_id'])
    .select((eb) => {
      const holder = () => eb.selectFrom('users').whereRef('users.id', '=', 'badges.user_id');
      return [
        holder().select('users.display_name').as('display_name'),
        holder().select('users.role').as('role'),
        holder().select('users.disabled_at').as('disabled_at'),
        holder().select(sql<number>`case when pin_hash is not null then 1 else 0 end`.as('has_pin')).as('has_pin'),
      ];
    })
    // A badge's holder always exists (a foreign key): the subqueries never come back empty.
    .$castTo<BadgeWithHolder>();

// At most one badge per UID is active (a unique partial index): found by a single index search.
const activeByUid = preparedQuery(['uid'], (db: TapinDb, p: { uid: string }) =>
  badgeWithHolder(db).where('badges.uid', '=', p.uid).where('badges.revoked_at', 'is', null),
);
const lastRevokedByUid = preparedQuery(['uid'], (db: TapinDb, p: { uid: string }) =>
  badgeWithHolder(db).where('badges.uid', '=', p.uid).orderBy('badges.id', 'desc').limit(1),
);

/** The badge a UID names now: the active one if any, else the most recently revoked (for the audit trail). */
export async function findBadgeForUid(db: TapinDb, uid: string): Promise<BadgeWithHolder | undefined> {
  return (await activeByUid(db, { uid }))[0] ?? (await lastRevokedByUid(db, { uid }))[0];
}

export async function insertBadge(
  db: TapinDb,
  badge: { userId: number; uid: string; secretHash: string | null; label: string | null; now: number },
): Promise<BadgeRow> {
  return db
    .insertInto('badges')
    .values({
      user_id: badge.userId,
      uid: badge.uid,
      secret_hash: badge.secretHash,
      label: badge.label,
      created_at: badge.now,
      revoked_at: null,
      revoke_reason: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findBadge(db: TapinDb, id: number): Promise<BadgeRow | undefined> {
  return db.selectFrom('badges').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function revokeBadgeRow(db: TapinDb, id: number, now: number, reason: string | null): Promise<BadgeRow | undefined> {
  return db
    .updateTable('badges')
    .set({ revoked_at: now, revoke_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** A user's badges, active ones first then newest first, with when each last signed someone in. */
export async function listBadgesOfUser(db: TapinDb, userId: number): Promise<(BadgeRow & { last_used_at: number | null })[]> {
  return db
    .selectFrom('badges')
    .selectAll('badges')
    .select((eb) =>
      eb
        .selectFrom('audit_log')
        .select((a) => a.fn.max<number>('audit_log.at').as('at'))
        .whereRef('audit_log.badge_id', '=', 'badges.id')
        .where('audit_log.event', '=', 'login.validate')
        .where('audit_log.outcome', '=', 'success')
        .as('last_used_at'),
    )
    .where('badges.user_id', '=', userId)
    .orderBy(sql`badges.revoked_at is null`, 'desc')
    .orderBy('badges.id', 'desc')
    .execute();
}
