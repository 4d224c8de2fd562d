import { reconnectDelay, restartDelay, SERVICE_RESTART } from './backoff.ts';
import { ApiError, notPaired, type BodyType, type KioskBridge, type KioskInfo, type LoginSession, type PairingCode, type ReaderState, type SessionUpdate, type SignedIn } from './types.ts';

/** Where the browser kiosk keeps its key between loads (boot.ts: localStorage). */
export interface KioskKeyStore {
  save(key: string): void;
  forget(): void;
}

export interface WebBridgeOptions {
  baseUrl: string;
  /** The key this kiosk starts with; none: it shows its pairing screen. */
  kioskKey: string | undefined;
  keyStore?: KioskKeyStore;
  /** TapIn's version, told to the server with the kiosk events' auth message (the console lists it). */
  appVersion?: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  /** How often to poll the session's status while the WebSocket is down. */
  pollMs?: number;
}

async function call<T>(doFetch: typeof fetch, url: string, init: RequestInit & { token?: string; bodyType?: BodyType }): Promise<T> {
  // A JSON content type with an empty body is a 400: announce JSON only when there is some.
  const headers: Record<string, string> = init.body === undefined ? {} : { 'content-type': init.bodyType === 'csv' ? 'text/csv; charset=utf-8' : 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await doFetch(url, { ...init, headers });
  if (response.status === 204) return undefined as T;
  if (response.ok && response.headers.get('content-type')?.startsWith('text/')) return (await response.text()) as T;
  const body = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    throw new ApiError(body?.error?.code ?? 'HTTP_ERROR', response.status, body?.error?.message ?? response.statusText, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  return body as T;
}

type PairingAnswer = { status: 'pending' } | { status: 'approved'; kiosk: { id: number; name: string }; kioskKey?: string };

/** The kiosk bridge of a plain browser: fetch for requests, a WebSocket (with a polling fallback) for updates. */
export function webKioskBridge(options: WebBridgeOptions): KioskBridge {
  const doFetch = options.fetch ?? fetch.bind(globalThis);
  const Socket = options.WebSocket ?? globalThis.WebSocket;
  const api = `${options.baseUrl}/api/v1`;
  const pollMs = options.pollMs ?? 2_000;
  let kioskKey = options.kioskKey;

  const forgetKey = (refused: string) => {
    // Only the key that was refused: an answer to a call made before a new pairing must not drop the new key.
    if (kioskKey !== refused) return;
    kioskKey = undefined;
    options.keyStore?.forget();
  };

  /** A call made with the kiosk key; the server refusing that key makes the kiosk forget it. */
  const kioskCall = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const key = kioskKey;
    if (!key) throw notPaired();
    try {
      return await call<T>(doFetch, `${api}/${path}`, { ...init, token: key });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'KIOSK_UNAUTHORIZED') forgetKey(key);
      throw error;
    }
  };

  return {
    kioskInfo: () => kioskCall<KioskInfo>('kiosk'),

    createSession: () => kioskCall<LoginSession>('login-sessions', { method: 'POST', body: '{}' }),

    pairing: {
      start: async () => ({
        ...(await call<Omit<PairingCode, 'server'>>(doFetch, `${api}/kiosk-pairings`, { method: 'POST', body: '{}' })),
        server: new URL(options.baseUrl).origin,
      }),
      async check(pairing) {
        const answer = await call<PairingAnswer>(doFetch, `${api}/kiosk-pairings/${encodeURIComponent(pairing.id)}`, { token: pairing.pollSecret });
        if (answer.status === 'pending') return 'pending';
        // Approved, but the key went to another poll (another tab): this code is spent.
        if (!answer.kioskKey) throw new ApiError('PAIRING_EXPIRED', 410, 'this code was used, and its key delivered elsewhere');
        kioskKey = answer.kioskKey;
        options.keyStore?.save(answer.kioskKey);
        return 'paired';
      },
    },

    exchange: (session, pin) =>
      call<SignedIn>(doFetch, `${api}/login-sessions/${session.id}/exchange`, {
        method: 'POST',
        token: session.kioskSecret,
        body: JSON.stringify(pin === undefined ? {} : { pin }),
      }),

    logout: async (accessToken) => {
      await call<unknown>(doFetch, `${api}/logout`, { method: 'POST', token: accessToken });
    },

    user: {
      request: (method, path, accessToken, body, bodyType = 'json') =>
        call<unknown>(doFetch, `${api}/${path}`, {
          method,
          token: accessToken,
          ...(body === undefined ? {} : { body: bodyType === 'csv' ? String(body) : JSON.stringify(body), bodyType }),
        }),
    },

    watchKiosk(onEvent) {
      const key = kioskKey;
      if (!key) return () => undefined;
      let stopped = false;
      let socket: WebSocket | undefined;
      let attempt = 0;
      let retryTimer: ReturnType<typeof setTimeout> | undefined;
      const connect = () => {
        if (stopped) return;
        const ws = new Socket(`${api.replace(/^http/, 'ws')}/kiosk/events`);
        socket = ws;
        // A failed connection is told by its close event too: the error itself needs no handling (and
        // unhandled, an EventEmitter-based WebSocket would throw it).
        ws.onerror = () => undefined;
        ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', kioskKey: key, ...(options.appVersion ? { appVersion: options.appVersion } : {}) }));
        ws.onmessage = (message) => {
          attempt = 0;
          const data = JSON.parse(String(message.data)) as { type: string; reader?: ReaderState | null; state?: ReaderState; userId?: number };
          if (data.type === 'hello') onEvent({ type: 'reader', state: data.reader ?? null });
          if (data.type === 'reader' && data.state) onEvent({ type: 'reader', state: data.state });
          if (data.type === 'signedOut' && typeof data.userId === 'number') onEvent({ type: 'signedOut', userId: data.userId });
        };
        ws.onclose = (event) => {
          if (stopped) return;
          if (event.code === 4401) {
            forgetKey(key);
            onEvent({ type: 'keyRefused' });
            return;
          }
          retryTimer = setTimeout(connect, event.code === SERVICE_RESTART && attempt === 0 ? restartDelay() : reconnectDelay(attempt));
          attempt += 1;
        };
      };
      connect();
      return () => {
        stopped = true;
        clearTimeout(retryTimer);
        socket?.close(1000);
      };
    },

    watchSession(session, onEvent) {
      let stopped = false;
      let socket: WebSocket | undefined;
      let attempt = 0;
      let retryTimer: ReturnType<typeof setTimeout> | undefined;
      let pollTimer: ReturnType<typeof setInterval> | undefined;
      let online: boolean | undefined;

      const setOnline = (value: boolean) => {
        if (online === value) return;
        online = value;
        onEvent({ type: 'connection', online: value });
      };

      // While the socket is down, ask for the status directly so that nothing is missed.
      const poll = async () => {
        try {
          const update = await call<SessionUpdate>(doFetch, `${api}/login-sessions/${session.id}`, { token: session.kioskSecret });
          if (!stopped) onEvent({ type: 'status', update });
        } catch (error) {
          if (!stopped && !(error instanceof ApiError)) setOnline(false);
        }
      };
      const startPolling = () => {
        pollTimer ??= setInterval(() => void poll(), pollMs);
      };
      const stopPolling = () => {
        clearInterval(pollTimer);
        pollTimer = undefined;
      };

      const connect = () => {
        if (stopped) return;
        const url = `${api.replace(/^http/, 'ws')}/login-sessions/${session.id}/events`;
        const ws = new Socket(url);
        socket = ws;
        ws.onerror = () => undefined;
        ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', kioskSecret: session.kioskSecret }));
        ws.onmessage = (message) => {
          const data = JSON.parse(String(message.data)) as { type: string; status?: SessionUpdate['status']; expiresAt?: string; pinRequired?: boolean; remainingAttempts?: number };
          attempt = 0;
          stopPolling();
          setOnline(true);
          if (data.type === 'status' && data.status && data.expiresAt) {
            onEvent({ type: 'status', update: { status: data.status, expiresAt: data.expiresAt, ...(data.pinRequired ? { pinRequired: true } : {}) } });
          }
          if (data.type === 'rejected') onEvent({ type: 'rejected', remainingAttempts: data.remainingAttempts ?? 0 });
        };
        ws.onclose = (event) => {
          if (stopped || event.code === 1000) return;
          // The server no longer knows this session (or its secret): treat it as over, so a new one starts.
          if (event.code === 4401) {
            onEvent({ type: 'status', update: { status: 'expired', expiresAt: session.expiresAt } });
            return;
          }
          // A server restarting (another instance takes over): straight back, the screen unchanged.
          if (event.code === SERVICE_RESTART && attempt === 0) {
            attempt += 1;
            retryTimer = setTimeout(connect, restartDelay());
            return;
          }
          setOnline(false);
          startPolling();
          void poll();
          retryTimer = setTimeout(connect, reconnectDelay(attempt++));
        };
      };
      connect();

      return () => {
        stopped = true;
        clearTimeout(retryTimer);
        stopPolling();
        socket?.close(1000);
      };
    },
  };
}
