import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { WAL_SIZE_LIMIT, walResetAfterCommit } from './checkpointer.ts';
import { GroupCommitSqliteDialect } from './group-commit.ts';
import { describeStorageError, StorageMonitor, storageErrorCode } from './storage.ts';
import { AUDIT_HASH_FUNCTION, auditChainHash } from '../audit/audit-chain.ts';
import * as initial from './migrations/2026-11-24-initial.ts';
import * as administration from './migrations/2026-11-25-administration.ts';
import * as badgesByUid from './migrations/2026-11-26-badges-by-uid.ts';
import * as loginSessionsById from './migrations/2026-11-27-login-sessions-by-id.ts';
import * as kioskPairings from './migrations/2026-11-28-kiosk-pairings.ts';
import * as peopleExternalId from './migrations/2026-11-28-people-external-id.ts';
import * as kioskPresence from './migrations/2026-11-29-kiosk-presence.ts';
import type { Database } from './schema.ts';

// Listed by hand, not scanned from disk: a bundled build has no migrations folder to scan.
export const migrations: Record<string, Migration> = {
  '2026-11-24-initial': initial,
  '2026-11-25-administration': administration,
  '2026-11-26-badges-by-uid': badgesByUid,
  '2026-11-27-login-sessions-by-id': loginSessionsById,
  '2026-11-28-kiosk-pairings': kioskPairings,
  '2026-11-28-people-external-id': peopleExternalId,
  '2026-11-29-kiosk-presence': kioskPresence,
};

export type TapinDb = Kysely<Database>;

export interface OpenOptions {
  /** A long-running server: checkpoints run in a worker (checkpointer.ts), and the WAL is kept near `walLimitBytes`. */
  backgroundCheckpoints?: boolean;
  walLimitBytes?: number;
  /** Watches the fate of each commit and the file's identity (storage.ts). */
  storage?: StorageMonitor;
}

/** Opens (creating if needed) the SQLite file, tunes it for a small busy server, and migrates it. */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<TapinDb> {
  const walLimit = options.walLimitBytes ?? WAL_SIZE_LIMIT;
  if (path !== ':memory:') makeFolder(dirname(path));
  const sqlite = new SQLite(path);
  options.storage?.fileOpened();
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
  const resetWal = options.backgroundCheckpoints && path !== ':memory:' ? walResetAfterCommit(sqlite, path, walLimit) : undefined;
  const storage = options.storage?.hooks;
  const db = new Kysely<Database>({
    dialect: new GroupCommitSqliteDialect(sqlite, {
      beforeCommit: storage?.beforeCommit,
      onFailed: storage?.onFailed,
      onCommitted: () => {
        storage?.onCommitted();
        resetWal?.();
      },
    }),
  });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

function makeFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new Error(`${folder} is a file, not a folder`, { cause: error });
    throw new Error(`its folder ${folder} cannot be created (${code ?? String(error)})`, { cause: error });
  }
}

async function migrate(db: TapinDb): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
}

/**
 * The database as a server opens it: checkpoints in the background, each commit watched, and one real
 * write made before anything is served, so that a database that cannot be written stops the start
 * with a message that says so instead of failing every login later.
 */
export async function openServerDatabase(path: string): Promise<{ db: TapinDb; storage: StorageMonitor }> {
  const storage = new StorageMonitor(path);
  let db: TapinDb;
  try {
    db = await openDatabase(path, { backgroundCheckpoints: true, storage });
  } catch (error) {
    const verb = storageErrorCode(error)?.startsWith('SQLITE_CANTOPEN') || !storage.opened ? 'open' : 'write to';
    throw new Error(`cannot ${verb} the database ${path}: ${describeStorageError(error)}`, { cause: error });
  }
  const problem = await storage.probe(db);
  if (problem) {
    await db.destroy();
    throw new Error(`cannot write to the database ${path}: ${problem}`);
  }
  return { db, storage };
}
