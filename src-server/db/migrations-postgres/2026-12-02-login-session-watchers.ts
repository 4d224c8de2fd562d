import type { Kysely } from 'kysely';

// How many kiosk screens follow a login session now, on any instance: the desk reader signs in through
// the session a screen shows (not one a closed page left pending).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('login_sessions').addColumn('watchers', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('login_sessions').dropColumn('watchers').execute();
}
