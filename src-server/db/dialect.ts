import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { AUDIT_CHAINED_COLUMNS, AUDIT_CHECKPOINT_KEY, AUDIT_HASH_FUNCTION } from '../audit/audit-chain.ts';
import { preparedQuery } from './prepared.ts';
import type { Database, NewAuditEntry } from './schema.ts';

/** Where a site's data lives: a SQLite file (the default, and the kiosk app's), or PostgreSQL. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** `postgres://…` or `postgresql://…` names PostgreSQL; anything else is a SQLite file path (API.md). */
export const isPostgresUrl = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target);

/** An audit row with its chained values, before its hash is computed (audit-chain.ts). */
export type ChainedAuditRow = Required<Omit<NewAuditEntry, 'hash' | 'id'>>;

/**
 * The few things TapIn says differently to SQLite and to PostgreSQL, in one place: the repositories
 * ask for these and never test the dialect themselves.
 */
export interface DialectRules {
  readonly kind: DatabaseKind;
  /** `column LIKE pattern` ignoring ASCII case (SQLite's LIKE does; PostgreSQL's needs ILIKE). `\` escapes. */
  likeIgnoringCase(column: string, pattern: string): RawBuilder<boolean>;
  /** An expression ordering names without regard to case. */
  orderIgnoringCase(column: string): RawBuilder<unknown>;
  /** Whether `error` is a violation of the unique index or constraint `name` (on `table`). */
  isUniqueViolation(error: unknown, table: string, name: string, column: string): boolean;
  /** Appends a row to the audit log, its hash computed by the database from the row before it, race-free. */
  appendAudit(db: Kysely<Database>, row: ChainedAuditRow): Promise<void>;
}

// SQLite: the hash is computed in the inserting statement by `tapin_audit_hash`, registered on the
// connection (open.ts); one writer at a time (SQLite's own lock) keeps the chain a single chain.
const previousHashSqlite = sql`coalesce((select hash from audit_log order by id desc limit 1), (select value ->> '$.hash' from settings where key = ${sql.lit(AUDIT_CHECKPOINT_KEY)}))`;

const insertChainedSqlite = preparedQuery<Database, ChainedAuditRow, never>(AUDIT_CHAINED_COLUMNS, (db, row) =>
  db.insertInto('audit_log').values({
    ...row,
    hash: sql<string>`${sql.raw(AUDIT_HASH_FUNCTION)}(${previousHashSqlite}, ${sql.join(AUDIT_CHAINED_COLUMNS.map((column) => row[column]))})`,
  }),
);

const sqliteRules: DialectRules = {
  kind: 'sqlite',
  likeIgnoringCase: (column, pattern) => sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`,
  orderIgnoringCase: (column) => sql`${sql.ref(column)} collate nocase`,
  isUniqueViolation: (error, table, _name, column) => error instanceof Error && error.message.includes(`UNIQUE constraint failed: ${table}.${column}`),
  async appendAudit(db, row) {
    await insertChainedSqlite(db, row);
  },
};

// The audit rows a PostgreSQL transaction (transact, below) has appended so far, written at its end.
const pendingAudit = new WeakMap<object, ChainedAuditRow[]>();

const appendAuditPostgres = async (db: Kysely<Database>, row: ChainedAuditRow) => {
  await sql`select tapin_audit_append(${sql.join(AUDIT_CHAINED_COLUMNS.map((column) => row[column]))})`.execute(db);
};

const postgresRules: DialectRules = {
  kind: 'postgres',
  likeIgnoringCase: (column, pattern) => sql<boolean>`${sql.ref(column)} ilike ${pattern} escape '\\'`,
  orderIgnoringCase: (column) => sql`lower(${sql.ref(column)})`,
  isUniqueViolation: (error, _table, name) =>
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505' && (error as { constraint?: unknown }).constraint === name,
  // `tapin_audit_append` (migrations-postgres) takes an advisory lock held to the end of the transaction,
  // reads the newest hash and inserts: two instances can never chain onto the same row. Inside transact()
  // the row waits for the transaction's end.
  async appendAudit(db, row) {
    const queue = pendingAudit.get(db);
    if (queue) queue.push(row);
    else await appendAuditPostgres(db, row);
  },
};

/** The rules for `db` (or a transaction of it): told by the adapter its dialect gave it. */
export function rulesOf(db: Kysely<Database>): DialectRules {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgresRules : sqliteRules;
}

/**
 * Runs `work` in a transaction. On PostgreSQL the audit rows it appends are written at its end, just
 * before the commit: the audit chain's lock is then the last lock the transaction takes, held only for
 * its commit, so it never closes a deadlock over rows with another instance and never holds the site's
 * appends up for the length of a long transaction (an import). On SQLite, one writer at a time, nothing
 * changes.
 */
export async function transact<T>(db: Kysely<Database>, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    if (rulesOf(tx).kind !== 'postgres') return work(tx);
    const queue: ChainedAuditRow[] = [];
    pendingAudit.set(tx, queue);
    try {
      const result = await work(tx);
      for (const row of queue) await appendAuditPostgres(tx, row);
      return result;
    } finally {
      pendingAudit.delete(tx);
    }
  });
}
