import { sql, type Kysely } from 'kysely';

// Migrations are frozen in time: they take Kysely<unknown>, not today's Database interface.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'admin')`))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('disabled_at', 'integer')
    .execute();

  await db.schema
    .createTable('badges')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('uid', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('label', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'integer')
    .addColumn('revoke_reason', 'text')
    .execute();
  // A UID can be enrolled again once its old badge is revoked, never twice at once.
  await sql`create unique index badges_active_uid on badges (uid) where revoked_at is null`.execute(db);
  await db.schema.createIndex('badges_user').on('badges').column('user_id').execute();

  await db.schema
    .createTable('kiosks')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('location', 'text')
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'integer')
    .execute();

  await db.schema
    .createTable('login_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('kiosk_secret_hash', 'text', (c) => c.notNull())
    .addColumn('kiosk_id', 'integer', (c) => c.notNull().references('kiosks.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'authenticated', 'consumed', 'expired')`),
    )
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('authenticated_at', 'integer')
    .addColumn('consumed_at', 'integer')
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('badge_id', 'integer', (c) => c.references('badges.id').onDelete('set null'))
    .addColumn('rejected_badges', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('login_sessions_expiry').on('login_sessions').columns(['status', 'expires_at']).execute();
  await db.schema.createIndex('login_sessions_kiosk').on('login_sessions').columns(['kiosk_id', 'created_at']).execute();
  await db.schema.createIndex('login_sessions_expires_at').on('login_sessions').column('expires_at').execute();

  await db.schema
    .createTable('access_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kiosk_id', 'integer', (c) => c.references('kiosks.id').onDelete('set null'))
    .addColumn('login_session_id', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'integer')
    .execute();
  await db.schema.createIndex('access_sessions_expires_at').on('access_sessions').column('expires_at').execute();
  await db.schema.createIndex('access_sessions_user').on('access_sessions').column('user_id').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
    .addColumn('reason', 'text')
    .addColumn('source', 'text')
    .addColumn('client_address', 'text')
    .addColumn('kiosk_id', 'integer')
    .addColumn('user_id', 'integer')
    .addColumn('badge_id', 'integer')
    .addColumn('badge_uid', 'text')
    .addColumn('login_session_id', 'text')
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  // A badge's last use is read from the log rather than kept twice.
  await db.schema.createIndex('audit_log_badge').on('audit_log').columns(['badge_id', 'at']).execute();
  await db.schema.createIndex('audit_log_user').on('audit_log').columns(['user_id', 'at']).execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['settings', 'audit_log', 'access_sessions', 'login_sessions', 'kiosks', 'badges', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
