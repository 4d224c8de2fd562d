import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations, openDatabase } from './open.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the migration that finds login sessions by id', () => {
  it('keeps every session and its columns, and drops only the unique index on token_hash', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tapin-migrate-'));
    const path = join(dir, 'tapin.sqlite');
    // A site as the previous release left it, with sessions in every state.
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    const migrator = new Migrator({ db: old, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('2026-11-26-badges-by-uid')).error).toBeUndefined();
    await sql`insert into kiosks (name, key_hash, created_at) values ('Lobby', 'k', 1)`.execute(old);
    await sql`insert into users (display_name, role, created_at) values ('Ada', 'user', 1)`.execute(old);
    const statuses = ['pending', 'authenticated', 'consumed', 'expired'];
    for (const [i, status] of statuses.entries()) {
      await sql`insert into login_sessions (id, token_hash, kiosk_secret_hash, kiosk_id, status, created_at, expires_at, user_id, rejected_badges, pin_required, pin_attempts)
        values (${`s${i}`}, ${`t${i}`}, ${`k${i}`}, 1, ${status}, ${i}, ${i + 300}, ${status === 'pending' ? null : 1}, ${i}, ${i % 2}, ${i})`.execute(old);
    }
    const before = (await sql`select * from login_sessions order by id`.execute(old)).rows;
    await old.destroy();

    const db = await openDatabase(path);
    try {
      // Every column as it was (and the later ones at their defaults).
      expect((await sql`select * from login_sessions order by id`.execute(db)).rows).toEqual(before.map((row) => ({ ...(row as object), watchers: 0 })));
      const indexes = (await sql<{ name: string; unique: number }>`select name, "unique" from pragma_index_list('login_sessions')`.execute(db)).rows;
      expect(indexes.map((i) => i.name).sort()).toEqual(['login_sessions_expires_at', 'login_sessions_expiry', 'login_sessions_kiosk', 'sqlite_autoindex_login_sessions_1']);
      // Two sessions may now share a token hash only by chance; nothing enforces uniqueness any more.
      await sql`insert into login_sessions (id, token_hash, kiosk_secret_hash, kiosk_id, status, created_at, expires_at) values ('s9', 't0', 'k', 1, 'pending', 9, 9)`.execute(db);
      expect((await sql`pragma foreign_key_check`.execute(db)).rows).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
