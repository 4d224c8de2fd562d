import WebSocket from 'ws';

export interface Watcher {
  socket: WebSocket;
  /** Every JSON message received so far, in order. */
  messages: Record<string, unknown>[];
  /** Resolves with the first message (past or future) that matches. */
  next(match: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

/** A real WebSocket client on a login session's event stream; sends the auth message if given a secret. */
export function watch(baseUrl: string, id: string, kioskSecret?: string): Promise<Watcher> {
  return follow(`${baseUrl}/api/v1/login-sessions/${id}/events`, kioskSecret === undefined ? undefined : { type: 'auth', kioskSecret });
}

/** A real WebSocket client on a kiosk's own event stream (`/kiosk/events`), authenticated with its key. */
export function watchKiosk(baseUrl: string, kioskKey: string): Promise<Watcher> {
  return follow(`${baseUrl}/api/v1/kiosk/events`, { type: 'auth', kioskKey });
}

function follow(url: string, auth: Record<string, string> | undefined): Promise<Watcher> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'));
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const next: Watcher['next'] = (match, timeoutMs = 5_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.find(match);
        if (!found) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      if (auth !== undefined) socket.send(JSON.stringify(auth));
      resolve({ socket, messages, next, closed });
    });
    socket.once('error', reject);
  });
}
