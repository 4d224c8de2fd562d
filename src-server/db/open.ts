import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { WAL_SIZE_LIMIT, walResetAfterCommit } from './checkpointer.ts';
import { GroupCommitSqliteDialect } from './group-commit.ts';
import { AUDIT_HASH_FUNCTION, auditChainHash } from '../audit/audit-chain.ts';
import * as initial from './migrations/2026-11-24-initial.ts';
import * as administration from './migrations/2026-11-25-administration.ts';
import * as badgesByUid from './migrations/2026-11-26-badges-by-uid.ts';
import * as loginSessionsById from './migrations/2026-11-27-login-sessions-by-id.ts';
import type { Database } from './schema.ts';

// Listed by hand, not scanned from disk: a bundled build has no migrations folder to scan.
export const migrations: Record<string, Migration> = {
  '2026-11-24-initial': initial,
  '2026-11-25-administration': administration,
  '2026-11-26-badges-by-uid': badgesByUid,
  '2026-11-27-login-sessions-by-id': loginSessionsById,
};

export type TapinDb = Kysely<Database>;

export interface OpenOptions {
  /** A long-running server: checkpoints run in a worker (checkpointer.ts), and the WAL is kept near `walLimitBytes`. */
  backgroundCheckpoints?: boolean;
  walLimitBytes?: number;
}

/** Opens (creating if needed) the SQLite file, tunes it for a small busy server, and migrates it. */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<TapinDb> {
  const walLimit = options.walLimitBytes ?? WAL_SIZE_LIMIT;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // Acknowledged means on disk: every commit (one per group, group-commit.ts) fsyncs the WAL, so a
  // power cut cannot bring back a revoked badge or drop the end of the audit log.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma(`journal_size_limit = ${walLimit}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Logins touch a few index pages each all over a site's tables; SQLite's default 2 MiB cache makes
  // that a read from the OS for most of them. This is a ceiling, not an allocation.
  sqlite.pragma('cache_size = -65536');
  // A long-running server checkpoints from a worker thread (checkpointer.ts) instead of inside a commit.
  if (options.backgroundCheckpoints) sqlite.pragma('wal_autocheckpoint = 0');
  // The audit log's chain is hashed inside the inserting statement (audit-chain.ts).
  sqlite.function(AUDIT_HASH_FUNCTION, { varargs: true, deterministic: true }, (previous, ...values) =>
    auditChainHash(typeof previous === 'string' ? previous : null, values),
  );
  const onCommitted = options.backgroundCheckpoints && path !== ':memory:' ? walResetAfterCommit(sqlite, path, walLimit) : undefined;
  const db = new Kysely<Database>({ dialect: new GroupCommitSqliteDialect(sqlite, { onCommitted }) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

async function migrate(db: TapinDb): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
}
