import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database as SqliteDatabase } from 'better-sqlite3';

/** The size of a database's WAL file now (0 when there is none). */
export function walBytes(databasePath: string): number {
  try {
    return statSync(`${databasePath}-wal`).size;
  } catch {
    return 0;
  }
}

/** The WAL is checkpointed back to this size, and truncated to it whenever SQLite restarts it. */
export const WAL_SIZE_LIMIT = 32 * 2 ** 20;

// Runs in a worker thread with its own connection: copying the WAL back into the database file (and
// the fsync that goes with it) then never stalls the event loop that answers kiosks and phones.
// Every tick copies what it can without waiting (PASSIVE); once nothing has been written for a tick,
// the WAL is truncated to zero. Under a burst that never pauses the copy is always behind the newest
// commit, and SQLite only starts the WAL over once it has caught up: the writer resets it between two
// of its own commits instead (walResetAfterCommit).
const WORKER = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.sqliteModule);
const db = new SQLite(workerData.path);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
// A checkpoint fsyncs the WAL before copying it and the database file after, as every commit does.
db.pragma('synchronous = FULL');
parentPort.postMessage({ type: 'opened', synchronous: db.pragma('synchronous', { simple: true }) });
const walSize = () => { try { return statSync(workerData.path + '-wal').size; } catch { return 0; } };
let lastVersion;
let lastError = '';
let busyTicks = 0;
const tick = () => {
  const version = db.pragma('data_version', { simple: true });
  const idle = version === lastVersion;
  lastVersion = version;
  const size = walSize();
  const mode = idle && size > 0 ? 'TRUNCATE' : 'PASSIVE';
  try {
    const [result] = db.pragma('wal_checkpoint(' + mode + ')');
    // A reader or writer in the way now and then is normal; one that keeps the WAL from emptying is not.
    busyTicks = mode === 'TRUNCATE' && result.busy ? busyTicks + 1 : 0;
    if (busyTicks >= 10) throw new Error('the WAL could not be emptied for 10 ticks in a row: a connection keeps it busy');
    if (busyTicks > 0) return;
    if (lastError) parentPort.postMessage({ type: 'recovered' });
    lastError = '';
  } catch (error) {
    // Said once per distinct failure (a full disk fails every tick), and again once it recovers.
    const message = String(error && error.message || error);
    if (message !== lastError) parentPort.postMessage({ type: 'error', message, walBytes: size });
    lastError = message;
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerOptions {
  /** A checkpoint failed (a full or read-only disk, a connection holding the WAL): said once until it recovers. */
  onError?(message: string, walBytes: number): void;
  onRecovered?(): void;
  intervalMs?: number;
  /** How long one checkpoint waits for a reader or writer in its way. */
  busyTimeoutMs?: number;
}

export interface Checkpointer {
  /** The worker's connection, once open: its `synchronous` setting (2 is FULL). */
  readonly opened: Promise<{ synchronous: number }>;
  stop(): Promise<void>;
}

/** Checkpoints the WAL of the database at `path` every `intervalMs`, off the main thread. */
export function startCheckpointer(path: string, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs = 500, busyTimeoutMs = 1_000 } = options;
  const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { path, intervalMs, sqliteModule, busyTimeoutMs } });
  worker.unref();
  let opened!: (settings: { synchronous: number }) => void;
  const settings = new Promise<{ synchronous: number }>((resolve) => (opened = resolve));
  worker.on('message', (message: { type: 'error'; message: string; walBytes: number } | { type: 'recovered' } | { type: 'opened'; synchronous: number }) => {
    if (message.type === 'error') options.onError?.(message.message, message.walBytes);
    else if (message.type === 'opened') opened({ synchronous: message.synchronous });
    else options.onRecovered?.();
  });
  // A worker that dies (its connection could not even open) stops checkpoints; the server goes on.
  worker.on('error', (error) => options.onError?.(`the checkpointer stopped: ${error.message}`, walBytes(path)));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    opened: settings,
    async stop() {
      // Keep the process alive until the final checkpoint is done and the worker has closed the file.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}

/**
 * For the writer to call after each commit (a stat, ~1 µs beside a commit's fsync): once the WAL has
 * passed its limit, checkpoint what is left and truncate it, there and then. The checkpointer has
 * copied most of it already, so this costs the event loop a moment, once per `limitBytes` written
 * under a long burst. A reader or checkpoint in the way is not waited for: the next commit tries again.
 */
export function walResetAfterCommit(sqlite: SqliteDatabase, path: string, limitBytes = WAL_SIZE_LIMIT): () => void {
  return () => {
    if (walBytes(path) <= limitBytes) return;
    const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
    sqlite.pragma('busy_timeout = 0');
    try {
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A failing checkpoint (full disk…) is reported by the checkpointer, which meets it too.
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
  };
}
