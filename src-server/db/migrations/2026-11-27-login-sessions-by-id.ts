import { sql, type Kysely } from 'kysely';

// A QR token now carries its session's id (login-session.token.ts), so the phone's lookup goes through
// the primary key and the unique index on token_hash, random by nature and dirtied by every login, goes.
// SQLite cannot drop a column's UNIQUE constraint: the table is rebuilt, in one transaction. Codes
// shown before the upgrade (five minutes at most) are not found afterwards; kiosks draw new ones.
const COLUMNS = sql.raw(
  'id, token_hash, kiosk_secret_hash, kiosk_id, status, created_at, expires_at, authenticated_at, consumed_at, user_id, badge_id, rejected_badges, pin_required, pin_attempts',
);

async function rebuild(db: Kysely<unknown>, tokenHash: 'unique' | 'plain'): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`create table login_sessions_rebuilt (
      id text primary key,
      token_hash text not null ${sql.raw(tokenHash === 'unique' ? 'unique' : '')},
      kiosk_secret_hash text not null,
      kiosk_id integer not null references kiosks (id) on delete cascade,
      status text not null check (status in ('pending', 'authenticated', 'consumed', 'expired')),
      created_at integer not null,
      expires_at integer not null,
      authenticated_at integer,
      consumed_at integer,
      user_id integer references users (id) on delete set null,
      badge_id integer references badges (id) on delete set null,
      rejected_badges integer not null default 0,
      pin_required integer not null default 0,
      pin_attempts integer not null default 0
    )`.execute(tx);
    await sql`insert into login_sessions_rebuilt (${COLUMNS}) select ${COLUMNS} from login_sessions`.execute(tx);
    await sql`drop table login_sessions`.execute(tx);
    await sql`alter table login_sessions_rebuilt rename to login_sessions`.execute(tx);
    await sql`create index login_sessions_expiry on login_sessions (status, expires_at)`.execute(tx);
    await sql`create index login_sessions_kiosk on login_sessions (kiosk_id, created_at)`.execute(tx);
    await sql`create index login_sessions_expires_at on login_sessions (expires_at)`.execute(tx);
  });
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, 'plain');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, 'unique');
}
