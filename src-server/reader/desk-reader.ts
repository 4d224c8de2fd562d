import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { BUILT_READER_PROCESS } from '../built-files.ts';
import { AppError } from '../errors.ts';
import type { BadgeTap, DeskReaderState, ParentMessage, ReaderMessage, TapOutcome } from './reader-protocol.ts';

export type { BadgeTap, DeskReaderState, TapOutcome } from './reader-protocol.ts';

export interface DeskReaderOptions {
  onTap(tap: BadgeTap): Promise<TapOutcome>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Wait before restarting the reader process after it exited (default 0.5 s doubling to 10 s). */
  retryDelay?: (attempt: number) => number;
  /**
   * How to start the reader process: by default the built reader-process.js with this Node; the
   * Electron app runs it with its own binary as Node.
   */
  process?: { path: string; execArgv: string[]; env?: NodeJS.ProcessEnv };
}

/** A tap held back from the kiosk for an enrollment; the badge stays on the reader until `finish`. */
export interface CapturedTap {
  tap: BadgeTap;
  /** Says how it went (LED, buzzer) and, with `write`, writes those bytes to the badge from page 4 first. */
  finish(result: { outcome: TapOutcome; write?: Buffer }): Promise<{ ok: boolean; error?: string }>;
}

export interface DeskReader {
  readonly state: DeskReaderState;
  /** True while an enrollment waits for the next tap. */
  readonly capturing: boolean;
  /**
   * The next badge tapped, for enrollment rather than for signing in. Rejects with NO_BADGE_TAPPED
   * after `timeoutMs` or when `signal` aborts (the admin left), READER_BUSY while another waits.
   */
  captureNextTap(timeoutMs: number, signal?: AbortSignal): Promise<CapturedTap>;
  readonly events: EventEmitter<{ state: [DeskReaderState]; tap: [BadgeTap, TapOutcome] }>;
  stop(): Promise<void>;
}

const defaultRetry = (attempt: number) => Math.min(10_000, 500 * 2 ** attempt);

/**
 * The USB desk reader (an ACR122U, or vsmartcard's "Virtual PCD" in tests), read through nfc-pcsc in
 * a process of its own and restarted whenever it exits: pcscd missing at start, killed or restarted,
 * readers unplugged and back, none of it reaches the server's event loop or crashes it. One card
 * presence is one tap; a badge left on the reader is not read again until it is lifted.
 */
export function startDeskReader(options: DeskReaderOptions): DeskReader {
  const events = new EventEmitter<{ state: [DeskReaderState]; tap: [BadgeTap, TapOutcome] }>();
  const retryDelay = options.retryDelay ?? defaultRetry;
  let state: DeskReaderState = 'no-service';
  let child: ChildProcess | undefined;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;
  let stopped = false;
  let capture: { resolve(captured: CapturedTap): void; reject(error: Error): void; timer: NodeJS.Timeout } | undefined;
  const writes = new Map<number, (result: { ok: boolean; error?: string }) => void>();

  const setState = (next: DeskReaderState) => {
    if (next === state) return;
    state = next;
    options.log.info({ deskReader: next }, 'desk reader state');
    events.emit('state', next);
  };

  function spawnReader(): void {
    if (stopped) return;
    const how = options.process ?? { path: BUILT_READER_PROCESS, execArgv: [] };
    const reader = fork(how.path, [], { execArgv: how.execArgv, env: how.env ?? process.env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    child = reader;
    reader.on('message', (message: ReaderMessage) => {
      if (message.type === 'state') {
        if (message.state === 'ready') attempt = 0;
        setState(message.state);
      } else if (message.type === 'written') {
        writes.get(message.id)?.({ ok: message.ok, ...(message.error ? { error: message.error } : {}) });
        writes.delete(message.id);
      } else if (message.type === 'log') {
        options.log.warn({ deskReader: state }, message.message);
      } else if (message.type === 'tap') {
        const tap: BadgeTap = { uid: message.uid, readerName: message.readerName, ...(message.secret ? { secret: message.secret } : {}) };
        if (message.memoryError) options.log.warn({ reason: message.memoryError }, 'desk reader: badge memory not read');
        if (capture) {
          capture.resolve({ tap, finish: (result) => finishCaptured(reader, message.id, tap, result) });
          return;
        }
        void options.onTap(tap).then(
          (outcome) => reply(reader, { type: 'outcome', id: message.id, outcome }, tap, outcome),
          () => reply(reader, { type: 'outcome', id: message.id, outcome: 'rejected' }, tap, 'rejected'),
        );
      }
    });
    reader.once('exit', () => {
      if (child === reader) child = undefined;
      if (stopped || state === 'unavailable') return;
      setState('no-service');
      retry = setTimeout(spawnReader, retryDelay(attempt++));
      retry.unref();
    });
  }

  // The tap event fires once the reader is done with the badge, written to or not.
  async function finishCaptured(reader: ChildProcess, id: number, tap: BadgeTap, result: { outcome: TapOutcome; write?: Buffer }) {
    if (!reader.connected) return { ok: false, error: 'the desk reader went away' };
    if (!result.write) {
      reader.send({ type: 'outcome', id, outcome: result.outcome } satisfies ParentMessage);
      events.emit('tap', tap, result.outcome);
      return { ok: true };
    }
    const written = new Promise<{ ok: boolean; error?: string }>((resolve) => {
      writes.set(id, resolve);
      reader.once('exit', () => resolve({ ok: false, error: 'the desk reader went away' }));
    });
    reader.send({ type: 'outcome', id, outcome: result.outcome, write: result.write.toString('hex') } satisfies ParentMessage);
    const done = await written;
    events.emit('tap', tap, done.ok ? result.outcome : 'rejected');
    return done;
  }

  function reply(reader: ChildProcess, message: ParentMessage, tap: BadgeTap, outcome: TapOutcome): void {
    events.emit('tap', tap, outcome);
    if (reader.connected) reader.send(message);
  }

  spawnReader();

  return {
    get state() {
      return state;
    },
    get capturing() {
      return capture !== undefined;
    },
    events,
    captureNextTap(timeoutMs, signal) {
      if (capture) return Promise.reject(new AppError('READER_BUSY', 'the desk reader is already waiting for a badge to enroll'));
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          capture = undefined;
        };
        const abort = () => {
          done();
          reject(new AppError('NO_BADGE_TAPPED', 'the enrollment was cancelled before a badge was tapped'));
        };
        const timer = setTimeout(() => {
          done();
          reject(new AppError('NO_BADGE_TAPPED', 'no badge was tapped on the desk reader in time'));
        }, timeoutMs);
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
        capture = {
          resolve: (captured) => {
            done();
            resolve(captured);
          },
          reject: (error) => {
            done();
            reject(error);
          },
          timer,
        };
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      // An enrollment waiting for a tap hears at once that no tap will come.
      capture?.reject(new AppError('READER_NOT_ATTACHED', 'the desk reader was stopped before a badge was tapped'));
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}
