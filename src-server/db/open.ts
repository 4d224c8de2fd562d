import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { startCheckpointer, WAL_SIZE_LIMIT, walResetAfterCommit } from './checkpointer.ts';
import { GroupCommitSqliteDialect } from './group-commit.ts';
import { describeStorageError, StorageMonitor, storageErrorCode, type StorageLog } from './storage.ts';
import { AUDIT_HASH_FUNCTION, auditChainHash } from '../audit/audit-chain.ts';
import * as initial from './migrations/2026-11-24-initial.ts';
import * as administration from './migrations/2026-11-25-administration.ts';
import * as badgesByUid from './migrations/2026-11-26-badges-by-uid.ts';
import * as loginSessionsById from './migrations/2026-11-27-login-sessions-by-id.ts';
import * as kioskPairings from './migrations/2026-11-28-kiosk-pairings.ts';
import * as peopleExternalId from './migrations/2026-11-28-people-external-id.ts';
import * as kioskPresence from './migrations/2026-11-29-kiosk-presence.ts';
import * as loginSessionWatchers from './migrations/2026-11-30-login-session-watchers.ts';
import { createMemoryBus, type EventBus } from '../realtime/event-bus.ts';
import { createPostgresBus, type PostgresBus } from '../realtime/postgres-bus.ts';
import { isPostgresUrl } from './dialect.ts';
import { openPostgres } from './postgres.ts';
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
  '2026-11-30-login-session-watchers': loginSessionWatchers,
};

export type TapinDb = Kysely<Database>;

export interface OpenOptions {
  /** A long-running server: checkpoints run in a worker (checkpointer.ts), and the WAL is kept near `walLimitBytes`. */
  backgroundCheckpoints?: boolean;
  walLimitBytes?: number;
  /** Watches the fate of each commit and the file's identity (storage.ts). */
  storage?: StorageMonitor;
  /** PostgreSQL: connections in the pool. */
  poolSize?: number;
}

/**
 * Opens a site's database and migrates it: PostgreSQL for a `postgres://` URL (postgres.ts), else the
 * SQLite file at that path (created if needed), tuned for a small busy server.
 */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<TapinDb> {
  if (isPostgresUrl(path)) return openPostgres(path, { poolSize: options.poolSize });
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

/** A database named for people and logs: a PostgreSQL URL without its password, or the file's path. */
export function databaseLabel(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.href.replace('password=%2A%2A%2A', 'password=***');
  } catch {
    return 'postgres://…';
  }
}

export interface ServerDatabase {
  db: TapinDb;
  storage: StorageMonitor;
  /** How this instance hears what others do: in-process for SQLite, LISTEN/NOTIFY for PostgreSQL. */
  bus: EventBus;
  /** What keeps the database well while the server runs (SQLite: the checkpointer, the file watch); returns its stop. */
  startUpkeep(log: StorageLog): () => Promise<void>;
}

/**
 * The database as a server opens it: checkpoints in the background, each commit watched, and one real
 * write made before anything is served, so that a database that cannot be written stops the start
 * with a message that says so instead of failing every login later.
 */
export async function openServerDatabase(target: string, options: { poolSize?: number } = {}): Promise<ServerDatabase> {
  const label = databaseLabel(target);
  const postgres = isPostgresUrl(target);
  // PostgreSQL keeps its own files: the monitor only proves, by its write, that the database answers.
  const storage = new StorageMonitor(postgres ? ':memory:' : target);
  let db: TapinDb;
  try {
    db = postgres ? await openPostgres(target, options) : await openDatabase(target, { backgroundCheckpoints: true, storage });
  } catch (error) {
    const verb = storageErrorCode(error)?.startsWith('SQLITE_CANTOPEN') || (!postgres && !storage.opened) ? 'open' : 'write to';
    throw new Error(`cannot ${verb} the database ${label}: ${describeStorageError(error)}`, { cause: error });
  }
  const problem = await storage.probe(db).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  if (problem) {
    await db.destroy();
    throw new Error(`cannot write to the database ${label}: ${problem}`);
  }
  // The server's log once it has one (startUpkeep): the bus may lose its connection any time after.
  let busLogger: StorageLog | undefined;
  const busLog = { info: (message: string) => busLogger?.info(message), warn: (message: string) => busLogger?.error({}, message) };
  const bus = postgres ? await createPostgresBus(target, busLog) : createMemoryBus();
  return {
    db,
    storage,
    bus,
    startUpkeep(log) {
      busLogger = log;
      if (postgres) return () => (bus as PostgresBus).close();
      const stopWatching = storage.watch();
      const checkpointer = startCheckpointer(target, {
        onError: (message, walBytes) => log.error({ walBytes }, `database checkpoint failing: ${message}`),
        onRecovered: () => log.info('database checkpoints working again'),
      });
      return async () => {
        stopWatching();
        await checkpointer.stop();
      };
    },
  };
}
