import { DEFAULT_STATE_TTL_SECONDS } from './reader-presence.ts';
import { startDeskReader, type DeskReader, type DeskReaderOptions, type DeskReaderState, type TapOutcome } from './desk-reader.ts';

export interface ReaderAgentOptions {
  /** The TapIn server's base URL (`http://host:port`). */
  server: string;
  kioskKey: string;
  log: { info(line: string): void; warn(line: string): void };
  /** How long the server waits for a tap's answer before the reader shows it refused (default 5 s). */
  tapTimeoutMs?: number;
  /** How long each state report holds on the server; the agent reports again at a third of it (default 30 s). */
  stateTtlSeconds?: number;
  retryDelay?: DeskReaderOptions['retryDelay'];
  process?: DeskReaderOptions['process'];
}

export interface ReaderAgent {
  readonly reader: DeskReader;
  /** Stops the reader and tells the server it is gone. */
  stop(): Promise<void>;
}

interface ApiAnswer {
  status: number;
  code?: string;
  outcome?: string;
}

/**
 * `tapin reader`: the PC/SC desk reader at a kiosk, its taps and state sent to a TapIn server elsewhere
 * with the kiosk's key. A tap is answered by the server or refused on the spot; it is never queued, since
 * a sign-in that lands later, when its user has walked away, is worse than a red light now.
 */
export function startReaderAgent(options: ReaderAgentOptions): ReaderAgent {
  const base = options.server.replace(/\/+$/, '');
  const tapTimeoutMs = options.tapTimeoutMs ?? 5_000;
  const ttlSeconds = options.stateTtlSeconds ?? DEFAULT_STATE_TTL_SECONDS;
  const { log } = options;
  let serverProblem: string | undefined;

  async function call(method: 'POST' | 'PUT', path: string, body: unknown, timeoutMs: number): Promise<ApiAnswer> {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${options.kioskKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: { outcome?: unknown; error?: { code?: unknown } } = {};
    try {
      if (text) parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not TapIn answering (a proxy's error page): the status says enough.
    }
    const answer: ApiAnswer = { status: response.status };
    if (typeof parsed.error?.code === 'string') answer.code = parsed.error.code;
    if (typeof parsed.outcome === 'string') answer.outcome = parsed.outcome;
    return answer;
  }

  // Said once when the server goes away or refuses the key, once when it is back: not at every heartbeat.
  const serverTrouble = (problem: string | undefined) => {
    if (problem === serverProblem) return;
    if (problem) log.warn(`server: ${problem}`);
    else if (serverProblem) log.info('server: reachable again');
    serverProblem = problem;
  };
  const unreachable = (error: unknown) => `unreachable at ${base} (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)})`;
  const refusedKey = 'refuses this kiosk key (KIOSK_UNAUTHORIZED): was the kiosk revoked or paired again?';

  async function onTap(tap: { uid: string; secret?: string }): Promise<TapOutcome> {
    let answer: ApiAnswer;
    try {
      answer = await call('POST', '/kiosk/reader-taps', { badge: { uid: tap.uid, ...(tap.secret ? { secret: tap.secret } : {}) } }, tapTimeoutMs);
    } catch (error) {
      serverTrouble(unreachable(error));
      log.warn(`tap: refused, the server did not answer (not kept for later)`);
      return 'rejected';
    }
    if (answer.status === 200) {
      serverTrouble(undefined);
      log.info(`tap: ${answer.outcome ?? 'accepted'}`);
      return 'accepted';
    }
    if (answer.code === 'KIOSK_UNAUTHORIZED') serverTrouble(refusedKey);
    else if (answer.status < 500) serverTrouble(undefined);
    else serverTrouble(`answers ${answer.status}`);
    // Nothing waiting to sign into: like `serve --reader`, neither green nor red.
    if (answer.code === 'SESSION_NOT_FOUND') {
      log.info('tap: ignored, no login session is waiting at this kiosk');
      return 'ignored';
    }
    log.info(`tap: rejected (${answer.code ?? answer.status})`);
    return 'rejected';
  }

  const reader = startDeskReader({
    onTap,
    log: { info: () => undefined, warn: (_obj, message) => log.warn(`reader: ${message}`) },
    ...(options.retryDelay ? { retryDelay: options.retryDelay } : {}),
    ...(options.process ? { process: options.process } : {}),
  });

  async function reportState(state: DeskReaderState, timeoutMs = 5_000): Promise<void> {
    try {
      const answer = await call('PUT', '/kiosk/reader-state', { state, ttlSeconds }, timeoutMs);
      if (answer.status === 204) serverTrouble(undefined);
      else serverTrouble(answer.code === 'KIOSK_UNAUTHORIZED' ? refusedKey : `answers ${answer.status} to the reader's state`);
    } catch (error) {
      serverTrouble(unreachable(error));
    }
  }

  // One report in flight at a time, the latest state next: reports never overtake one another.
  let reporting: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const report = () => {
    if (reporting) {
      again = true;
      return;
    }
    reporting = (async () => {
      do {
        again = false;
        if (!stopped) await reportState(reader.state);
      } while (again);
      reporting = undefined;
    })();
  };

  reader.events.on('state', (state) => {
    log.info(`reader: ${state}`);
    report();
  });
  report();
  // The server forgets a state that is not reported again in time (this machine gone); a server that
  // restarted learns it again here.
  const heartbeat = setInterval(report, (ttlSeconds * 1000) / 3);

  return {
    reader,
    async stop() {
      stopped = true;
      clearInterval(heartbeat);
      await reader.stop();
      await reporting;
      await reportState('no-service', 1_000);
    },
  };
}
