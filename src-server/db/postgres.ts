import { Kysely, PostgresDialect } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import * as schema from './migrations-postgres/2026-12-01-schema.ts';
import * as loginSessionWatchers from './migrations-postgres/2026-12-02-login-session-watchers.ts';
import type { Database } from './schema.ts';

// Listed by hand, not scanned from disk: a bundled build has no migrations folder to scan.
export const postgresMigrations: Record<string, Migration> = {
  '2026-12-01-schema': schema,
  '2026-12-02-login-session-watchers': loginSessionWatchers,
};

/** How many connections one instance keeps to PostgreSQL when not told (`--db-pool`). */
export const DEFAULT_POOL_SIZE = 10;

// Times are bigint milliseconds (and counts bigint): well inside 2^53, read back as numbers.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

// SQLSTATE classes and codes that mean "the database is not there now": connection exceptions (08),
// the server shutting down or starting (57P01–57P03), too many connections (53300).
const UNAVAILABLE = /^(08\d{3}|57P0[123]|53300)$/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/** Whether `error` says PostgreSQL cannot be reached or is not taking work now (not what was asked of it). */
export function isPostgresUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE.test(code) || NETWORK.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /^Connection terminated|^timeout exceeded when trying to connect|Client has encountered a connection error|^Query read timeout/.test(message);
}

/**
 * Opens a pool on the PostgreSQL database at `url` and brings its schema up to this code's. Several
 * instances starting at once migrate it once: Kysely's migrator holds a row lock while it works, and
 * an instance whose code is older than the schema refuses to start (a migration it does not know).
 */
export async function openPostgres(url: string, options: { poolSize?: number } = {}): Promise<Kysely<Database>> {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'tapin',
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    types,
    // A database that does not answer is found out (503, not ready), never waited on for ever.
    keepAlive: true,
    connectionTimeoutMillis: 5_000,
    query_timeout: 30_000,
    // The exactly-once rules and the audit chain read what is committed now, whatever the server's default.
    options: '-c default_transaction_isolation=read\\ committed',
  });
  // An idle connection the server dropped (a restart) is an error event on the pool: it is replaced, not fatal.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => postgresMigrations } }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
