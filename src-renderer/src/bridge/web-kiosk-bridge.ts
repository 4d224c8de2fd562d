import { reconnectDelay } from './backoff.ts';
import { ApiError, type KioskBridge, type KioskInfo, type LoginSession, type ReaderState, type SessionUpdate, type SignedIn } from './types.ts';

export interface WebBridgeOptions {
  baseUrl: string;
  kioskKey: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  /** How often to poll the session's status while the WebSocket is down. */
  pollMs?: number;
}

async function call<T>(doFetch: typeof fetch, url: string, init: RequestInit & { token?: string }): Promise<T> {
  // A JSON content type with an empty body is a 400: announce JSON only when there is some.
  const headers: Record<string, string> = init.body === undefined ? {} : { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await doFetch(url, { ...init, headers });
  if (response.status === 204) return undefined as T;
  if (response.ok && response.headers.get('content-type')?.startsWith('text/')) return (await response.text()) as T;
  const body = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
  if (!response.ok) throw new ApiError(body?.error?.code ?? 'HTTP_ERROR', response.status, body?.error?.message ?? response.statusText);
  return body as T;
}

/** The kiosk bridge of a plain browser: fetch for requests, a WebSocket (with a polling fallback) for updates. */
export function webKioskBridge(options: WebBridgeOptions): KioskBridge {
  const doFetch = options.fetch ?? fetch.bind(globalThis);
  const Socket = options.WebSocket ?? globalThis.WebSocket;
  const api = `${options.baseUrl}/api/v1`;
  const pollMs = options.pollMs ?? 2_000;

  return {
    kioskInfo: () => call<KioskInfo>(doFetch, `${api}/kiosk`, { token: options.kioskKey }),

    createSession: () => call<LoginSession>(doFetch, `${api}/login-sessions`, { method: 'POST', token: options.kioskKey, body: '{}' }),

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
      request: (method, path, accessToken, body) =>
        call<unknown>(doFetch, `${api}/${path}`, { method, token: accessToken, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    },

    watchKiosk(onEvent) {
      let stopped = false;
      let socket: WebSocket | undefined;
      let attempt = 0;
      let retryTimer: ReturnType<typeof setTimeout> | undefined;
      const connect = () => {
        if (stopped) return;
        const ws = new Socket(`${api.replace(/^http/, 'ws')}/kiosk/events`);
        socket = ws;
        ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', kioskKey: options.kioskKey }));
        ws.onmessage = (message) => {
          attempt = 0;
          const data = JSON.parse(String(message.data)) as { type: string; reader?: ReaderState | null; state?: ReaderState; userId?: number };
          if (data.type === 'hello') onEvent({ type: 'reader', state: data.reader ?? null });
          if (data.type === 'reader' && data.state) onEvent({ type: 'reader', state: data.state });
          if (data.type === 'signedOut' && typeof data.userId === 'number') onEvent({ type: 'signedOut', userId: data.userId });
        };
        ws.onclose = (event) => {
          if (stopped || event.code === 4401) return;
          retryTimer = setTimeout(connect, reconnectDelay(attempt++));
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
