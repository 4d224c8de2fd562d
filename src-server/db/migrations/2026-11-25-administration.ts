import { sql, type Kysely } from 'kysely';
import { AUDIT_CHAINED_COLUMNS, auditChainHash } from '../../audit/audit-chain.ts';

// Administration: PINs (a second factor on the kiosk, step-up in the console), who made each change,
// and the audit log's hash chain. Frozen in time like every migration, except for the chain's hash
// function, whose format is itself fixed (audit-chain.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('pin_hash', 'text').execute();
  // Wrong PINs in a row across login sessions; at the limit the PIN is locked until an admin sets a new one.
  await db.schema.alterTable('users').addColumn('pin_failures', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema.alterTable('login_sessions').addColumn('pin_required', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('login_sessions').addColumn('pin_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  // When the holder last proved their PIN in this access session: admin changes need it recent.
  await db.schema.alterTable('access_sessions').addColumn('pin_confirmed_at', 'integer').execute();

  await db.schema.alterTable('audit_log').addColumn('actor_user_id', 'integer').execute();
  await db.schema.alterTable('audit_log').addColumn('details', 'text').execute();
  await db.schema.alterTable('audit_log').addColumn('hash', 'text').execute();
  await db.schema.createIndex('audit_log_kiosk').on('audit_log').columns(['kiosk_id', 'at']).execute();
  await sql`create index users_name on users (display_name collate nocase)`.execute(db);

  // Rows written before the chain existed join it now, in order.
  const rows = await sql<Record<string, unknown> & { id: number }>`select * from audit_log order by id`.execute(db);
  let previous: string | null = null;
  for (const row of rows.rows) {
    previous = auditChainHash(previous, AUDIT_CHAINED_COLUMNS.map((column) => row[column] ?? null));
    await sql`update audit_log set hash = ${previous} where id = ${row.id}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index users_name`.execute(db);
  await db.schema.dropIndex('audit_log_kiosk').execute();
  for (const column of ['hash', 'details', 'actor_user_id']) await db.schema.alterTable('audit_log').dropColumn(column).execute();
  await db.schema.alterTable('access_sessions').dropColumn('pin_confirmed_at').execute();
  for (const column of ['pin_attempts', 'pin_required']) await db.schema.alterTable('login_sessions').dropColumn(column).execute();
  for (const column of ['pin_failures', 'pin_hash']) await db.schema.alterTable('users').dropColumn(column).execute();
}
