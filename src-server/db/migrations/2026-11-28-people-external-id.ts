import { sql, type Kysely } from 'kysely';

// The site's own id for a person (an HR number): what an import recognises people by, so that importing
// the same file twice changes nothing. Unique where set; people created by hand have none.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('external_id', 'text').execute();
  await sql`create unique index users_external_id on users (external_id) where external_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index users_external_id`.execute(db);
  await db.schema.alterTable('users').dropColumn('external_id').execute();
}
