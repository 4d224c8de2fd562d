import type { Kysely } from 'kysely';

// When each kiosk was last seen (online, or making a call with its key) and the app version it last
// reported: presence itself lives in memory, these survive a restart so the console can say "last seen".
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('kiosks').addColumn('last_seen_at', 'integer').execute();
  await db.schema.alterTable('kiosks').addColumn('app_version', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('kiosks').dropColumn('app_version').execute();
  await db.schema.alterTable('kiosks').dropColumn('last_seen_at').execute();
}
