import { describe } from 'vitest';
import type { ServerConfig } from '../config.ts';
import type { DatabaseKind } from '../db/dialect.ts';
import { postgresMissing, usePostgres } from './postgres.ts';

/** A database for one test: nothing to add for SQLite (a fresh file), a fresh database on the file's own cluster for PostgreSQL. */
export type FreshDatabase = () => Promise<Partial<ServerConfig>>;

/**
 * Runs the same suite on SQLite and on PostgreSQL (one parametrised suite, not a copy): `body` gets the
 * dialect's name and a function giving each test's server its own fresh database. PostgreSQL is
 * skipped, and says so, where it is not installed (CI installs it).
 */
export function describeEachDialect(title: string, body: (fresh: FreshDatabase, dialect: DatabaseKind) => void): void {
  const cluster = postgresMissing ? undefined : usePostgres();
  if (!cluster) console.error(`${title}: PostgreSQL runs skipped, it is not installed (apt-get install postgresql)`);
  describe(`${title} (SQLite)`, () => body(async () => ({}), 'sqlite'));
  describe.skipIf(!cluster)(`${title} (PostgreSQL)`, () => body(async () => ({ dbPath: await (cluster?.() ?? missing()).freshDatabase() }), 'postgres'));
}

const missing = (): never => {
  throw new Error('PostgreSQL is not installed');
};
