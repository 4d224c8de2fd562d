import { sql, type Kysely } from 'kysely';

// Every validation looks a badge up by UID, revoked ones included (for the audit trail). The partial
// unique index of the first migration covers active badges only, so that lookup scanned the whole
// table: this index makes it a search, whatever the number of badges.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index badges_uid on badges (uid, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index badges_uid`.execute(db);
}
