import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { SqliteAdapter, SqliteDialect, type CompiledQuery, type DatabaseConnection, type DialectAdapter, type Driver, type QueryResult } from 'kysely';

/**
 * A Kysely driver for better-sqlite3 that commits in groups.
 *
 * On a busy server most of a write's cost is the commit (WAL append, periodic checkpoint), not the
 * statement. Here every write that happens during one turn of the event loop joins one transaction,
 * committed in a single step at the end of that turn; each write's promise resolves only once that
 * commit succeeded, so nobody answers a client about data that is not yet on disk.
 * Reads outside any pending group run at once, inside one read transaction per turn: on its own each
 * would take and drop SQLite's WAL read lock (~6 µs of fcntl and fstat calls, ten times the read).
 * A write in that turn ends the read transaction before it begins the group. A read made while a group
 * is open runs inside it and is answered once the group commits; should the commit fail, the read runs
 * again on what is on disk, so that a failing write (a full disk) never takes unrelated reads down. An explicit Kysely
 * transaction becomes a savepoint inside the group and holds off other queries until it ends, so its
 * statements never interleave with anyone else's. Prepared statements are cached by SQL text.
 */
export class GroupCommitSqliteDialect extends SqliteDialect {
  readonly #sqlite: SqliteDatabase;
  readonly #hooks: CommitHooks;

  constructor(sqlite: SqliteDatabase, hooks: CommitHooks = {}) {
    super({ database: sqlite });
    this.#sqlite = sqlite;
    this.#hooks = hooks;
  }

  override createDriver(): Driver {
    return new GroupCommitDriver(this.#sqlite, this.#hooks);
  }

  override createAdapter(): DialectAdapter {
    return new GroupCommitSqliteAdapter();
  }
}

/**
 * Kysely (0.29+) lets one query at a time hold a dialect's only connection. Here every query gets a
 * handle of its own and the driver itself orders them, so that the writes of one turn can share a commit.
 */
class GroupCommitSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

export interface CommitHooks {
  /** Runs before each group's commit; what it throws rolls the group back and fails its writes. */
  beforeCommit?(): void;
  /** Runs after each group's commit, between two groups (where the WAL may be reset). */
  onCommitted?(): void;
  /** A group's commit, or a statement in it, failed for good; the error is what its writers get. */
  onFailed?(error: unknown): unknown;
}

const STATEMENT_CACHE_LIMIT = 500;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

class GroupCommitDriver implements Driver {
  readonly #sqlite: SqliteDatabase;
  readonly #statements = new Map<string, Statement>();
  #group: Waiter[] | undefined;
  /** A read transaction is open for this turn's reads (never while a group is). */
  #reading = false;
  #transaction: Transaction | undefined;
  readonly #waitingTransactions: { handle: Handle; resolve(): void }[] = [];
  readonly #hooks: CommitHooks;

  constructor(sqlite: SqliteDatabase, hooks: CommitHooks) {
    this.#sqlite = sqlite;
    this.#hooks = hooks;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Handle(this);
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const handle = connection as Handle;
    // Transactions take turns in arrival order; the one that ends hands over to the next (#endTransaction).
    if (this.#transaction) await new Promise<void>((resolve) => this.#waitingTransactions.push({ handle, resolve }));
    else this.#transaction = ownedBy(handle);
    this.#openGroup();
    this.#sqlite.exec('SAVEPOINT kysely_transaction');
  }

  async commitTransaction(): Promise<void> {
    this.#sqlite.exec('RELEASE kysely_transaction');
    this.#endTransaction();
    await this.#afterCommit();
  }

  async rollbackTransaction(): Promise<void> {
    if (this.#sqlite.inTransaction) {
      this.#sqlite.exec('ROLLBACK TO kysely_transaction');
      this.#sqlite.exec('RELEASE kysely_transaction');
    }
    this.#endTransaction();
  }

  async destroy(): Promise<void> {
    while (this.#transaction) await this.#transaction.done;
    this.#endReading();
    this.#commitGroup();
    this.#statements.clear();
    this.#sqlite.close();
  }

  /** What a handle must wait for before it may run a query: another handle's explicit transaction. */
  blockerFor(handle: Handle): Promise<void> | undefined {
    return this.#transaction && this.#transaction.owner !== handle ? this.#transaction.done : undefined;
  }

  execute(handle: Handle, query: CompiledQuery): QueryResult<unknown> | Promise<QueryResult<unknown>> {
    const statement = this.#prepare(query.sql);
    const inTransaction = this.#transaction?.owner === handle;
    if (!this.#group && statement.readonly && !inTransaction) return this.#read(statement, query);
    this.#openGroup();
    let result: QueryResult<unknown>;
    try {
      result = run(statement, query);
    } catch (error) {
      // Most errors undo just the statement; some (I/O, full disk) roll the whole group back.
      if (this.#sqlite.inTransaction) throw error;
      throw this.#failGroup(error);
    }
    if (inTransaction) return result;
    if (statement.readonly) return this.#afterCommit(() => this.#read(statement, query)).then((again) => again ?? result);
    return this.#afterCommit().then(() => result);
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      statement = this.#sqlite.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #read(statement: Statement, query: CompiledQuery): QueryResult<unknown> {
    if (!this.#reading) {
      this.#sqlite.exec('BEGIN');
      this.#reading = true;
      setImmediate(() => this.#endReading());
    }
    try {
      return run(statement, query);
    } catch (error) {
      if (!this.#sqlite.inTransaction) this.#reading = false;
      throw error;
    }
  }

  #endReading(): void {
    if (!this.#reading) return;
    this.#reading = false;
    if (this.#sqlite.inTransaction) this.#sqlite.exec('COMMIT');
  }

  #openGroup(): void {
    if (this.#group) return;
    this.#endReading();
    this.#sqlite.exec('BEGIN IMMEDIATE');
    this.#group = [];
    setImmediate(() => this.#commitGroupWhenFree());
  }

  /** Resolves once the open group commits; a read passes `again`, run instead should the group fail. */
  #afterCommit(): Promise<undefined>;
  #afterCommit<T>(again: () => T): Promise<T | undefined>;
  #afterCommit<T>(again?: () => T): Promise<T | undefined> {
    const group = this.#group;
    if (!group) return Promise.resolve(undefined);
    return new Promise((resolve, reject) =>
      group.push({
        resolve: () => resolve(undefined),
        reject: again
          ? () => {
              try {
                resolve(again());
              } catch (error) {
                reject(error);
              }
            }
          : reject,
      }),
    );
  }

  #commitGroupWhenFree(): void {
    // An explicit transaction still running keeps the group open a little longer.
    if (this.#transaction) setImmediate(() => this.#commitGroupWhenFree());
    else this.#commitGroup();
  }

  #commitGroup(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = undefined;
    try {
      this.#hooks.beforeCommit?.();
      this.#sqlite.exec('COMMIT');
    } catch (error) {
      if (this.#sqlite.inTransaction) this.#sqlite.exec('ROLLBACK');
      const failure = this.#failure(error);
      for (const waiter of group) waiter.reject(failure);
      return;
    }
    for (const waiter of group) waiter.resolve();
    this.#hooks.onCommitted?.();
  }

  #failGroup(error: unknown): unknown {
    const group = this.#group ?? [];
    this.#group = undefined;
    const failure = this.#failure(error);
    for (const waiter of group) waiter.reject(failure);
    return failure;
  }

  #failure(error: unknown): unknown {
    return this.#hooks.onFailed ? this.#hooks.onFailed(error) : error;
  }

  #endTransaction(): void {
    const ended = this.#transaction;
    // Handed over before anyone wakes, so that nothing slips in between; waking one waiter rather than
    // all of them keeps a burst of n validations at n wake-ups instead of n².
    const next = this.#waitingTransactions.shift();
    this.#transaction = next ? ownedBy(next.handle) : undefined;
    ended?.end();
    next?.resolve();
  }
}

interface Transaction {
  owner: Handle;
  /** Resolves when the transaction ends: queries held off by it may then go. */
  done: Promise<void>;
  end(): void;
}

function ownedBy(owner: Handle): Transaction {
  let end = () => {};
  const done = new Promise<void>((resolve) => (end = resolve));
  return { owner, done, end };
}

/** One per acquired connection, so the driver can tell a transaction's own queries from everyone else's. */
class Handle implements DatabaseConnection {
  readonly #driver: GroupCommitDriver;

  constructor(driver: GroupCommitDriver) {
    this.#driver = driver;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // The check and the statement run in the same tick, so no transaction can begin in between.
    for (let blocker = this.#driver.blockerFor(this); blocker; blocker = this.#driver.blockerFor(this)) await blocker;
    return (await this.#driver.execute(this, query)) as QueryResult<R>;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the TapIn SQLite driver');
  }
}

function run(statement: Statement, query: CompiledQuery): QueryResult<unknown> {
  const parameters = query.parameters as unknown[];
  if (statement.reader) return { rows: statement.all(parameters) };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}
