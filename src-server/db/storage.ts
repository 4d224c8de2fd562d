import { statSync } from 'node:fs';
import { AppError } from '../errors.ts';
import type { CommitHooks } from './group-commit.ts';
import type { TapinDb } from './open.ts';

/** Where storage trouble is told: once when it starts (or changes), once when it is over. */
export interface StorageLog {
  error(details: object, message: string): void;
  info(message: string): void;
}

/** The settings row a write probe rewrites: the last time this server proved it could save. */
export const WRITE_CHECK_KEY = 'storage.lastWriteCheck';

// SQLite's answers that say the file cannot take writes, as opposed to a statement breaking a rule.
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM)/;

/** SQLite's error code, when the error comes from SQLite. */
export function storageErrorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_') ? error.code : undefined;
}

function isStorageError(error: unknown): boolean {
  return STORAGE_CODES.test(storageErrorCode(error) ?? '');
}

/** SQLite's message with its code, as an operator can search for it. */
export function describeStorageError(error: unknown): string {
  const code = storageErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}

function identityOf(path: string): string | undefined {
  try {
    const { dev, ino } = statSync(path);
    return `${dev}:${ino}`;
  } catch {
    return undefined;
  }
}

/**
 * What the server knows of its database file: whether its last group of writes reached the disk, and
 * whether the file at its path is still the one it opened. A file deleted or replaced while the server
 * runs would take every later write with it at the next restart, so from then on writes are refused.
 */
export class StorageMonitor {
  readonly #path: string;
  #identity: string | undefined;
  #failing: string | undefined;
  #told: string | undefined;
  #log: StorageLog | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** Called once SQLite has the file open (created, on a first start): the file to watch from then on. */
  fileOpened(): void {
    if (this.#path !== ':memory:') this.#identity = identityOf(this.#path);
  }

  get opened(): boolean {
    return this.#identity !== undefined;
  }

  set log(log: StorageLog) {
    this.#log = log;
  }

  /** Why the database cannot take writes now, or undefined when, as far as is known, it can. */
  get problem(): string | undefined {
    return this.#moved() ?? this.#failing;
  }

  /** The driver's hooks: refuse to commit into a moved file, and keep track of each group's fate. */
  readonly hooks: Required<Pick<CommitHooks, 'beforeCommit' | 'onFailed'>> & { onCommitted(): void } = {
    beforeCommit: () => {
      const moved = this.#moved();
      if (moved) throw new AppError('STORAGE_UNAVAILABLE', moved);
    },
    onCommitted: () => {
      if (this.#failing === undefined) return;
      this.#failing = undefined;
      this.#tell(undefined);
    },
    onFailed: (error) => {
      if (!(error instanceof AppError) && !isStorageError(error)) return error;
      const reason = error instanceof AppError ? error.message : describeStorageError(error);
      this.#failing = reason;
      this.#tell(reason);
      return error instanceof AppError ? error : new AppError('STORAGE_UNAVAILABLE', 'the server cannot save anything right now; try again in a moment');
    },
  };

  /** Checks, with a real write, that the database takes writes now; resolves to the problem if not. */
  async probe(db: TapinDb): Promise<string | undefined> {
    const moved = this.#moved();
    if (moved) {
      this.#tell(moved);
      return moved;
    }
    try {
      const value = new Date().toISOString();
      await db.insertInto('settings').values({ key: WRITE_CHECK_KEY, value }).onConflict((c) => c.column('key').doUpdateSet({ value })).execute();
      return undefined;
    } catch (error) {
      if (error instanceof AppError && error.code === 'STORAGE_UNAVAILABLE') return this.#failing ?? error.message;
      if (isStorageError(error)) return describeStorageError(error);
      throw error;
    }
  }

  /** Looks at the file every `intervalMs`, so that its loss is logged even while nobody writes. */
  watch(intervalMs = 5_000): () => void {
    const timer = setInterval(() => {
      const moved = this.#moved();
      if (moved) this.#tell(moved);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  #moved(): string | undefined {
    if (this.#identity === undefined) return undefined;
    const now = identityOf(this.#path);
    if (now === this.#identity) return undefined;
    return now === undefined
      ? `the database file ${this.#path} was deleted while the server ran: writes are refused until TapIn is restarted`
      : `the database file ${this.#path} was replaced while the server ran: writes are refused until TapIn is restarted`;
  }

  #tell(problem: string | undefined): void {
    if (problem === this.#told) return;
    const before = this.#told;
    this.#told = problem;
    if (problem) this.#log?.error({ database: this.#path }, `database writes failing: ${problem}`);
    else if (before) this.#log?.info('database writes working again');
  }
}
