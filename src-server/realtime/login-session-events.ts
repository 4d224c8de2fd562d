import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { LoginSessionStatus } from '../db/schema.ts';
import { isAppError } from '../errors.ts';
import { NO_BEARER } from '../http/schemas.ts';
import type { Services } from '../services.ts';
import { readAuthMessage } from './auth-message.ts';
import { loginSessionChannel, type EventBus, type LoginSessionEvent } from './event-bus.ts';

/** Close code for a watcher that did not prove it holds the session's kioskSecret. */
export const CLOSE_UNAUTHORIZED = 4401;
const AUTH_TIMEOUT_MS = 10_000;

// Statuses only move forward; an event that arrives late must not walk the kiosk back.
const rank: Record<LoginSessionStatus, number> = { pending: 0, authenticated: 1, consumed: 2, expired: 2 };
const isFinal = (status: LoginSessionStatus) => rank[status] === 2;

/**
 * `GET /login-sessions/:id/events`: the kiosk proves it holds the kioskSecret in its first message,
 * then hears the session's status at once and on every change until it ends.
 */
export function watchLoginSession(socket: WebSocket, id: string, services: Services, bus: EventBus): void {
  let unsubscribe: (() => void) | undefined;
  let lastStatus: LoginSessionStatus | undefined;
  let buffered: LoginSessionEvent[] | undefined = [];

  const send = (event: LoginSessionEvent) => {
    if (socket.readyState !== socket.OPEN) return;
    if (event.type === 'rejected') {
      socket.send(JSON.stringify(event));
      return;
    }
    const status = event.session.status;
    if (lastStatus !== undefined && (status === lastStatus || rank[status] < rank[lastStatus])) return;
    lastStatus = status;
    socket.send(JSON.stringify({ type: 'status', ...event.session }));
    if (isFinal(status)) socket.close(1000, 'login session ended');
  };

  const authTimer = setTimeout(() => socket.close(CLOSE_UNAUTHORIZED, 'authentication timeout'), AUTH_TIMEOUT_MS);
  authTimer.unref();

  socket.once('message', (data) => {
    clearTimeout(authTimer);
    const kioskSecret = readAuthMessage(data, 'kioskSecret');
    if (kioskSecret === undefined || id.length > 64) {
      socket.close(CLOSE_UNAUTHORIZED, 'expected {"type":"auth","kioskSecret":…}');
      return;
    }
    // Subscribe before reading, holding events back until the secret is proven, so none falls in between.
    unsubscribe = bus.subscribe(loginSessionChannel(id), (event) => (buffered ? buffered.push(event) : send(event)));
    services.loginSessions.watch(id, kioskSecret).then(
      (session) => {
        const held = buffered ?? [];
        buffered = undefined;
        send({ type: 'status', session });
        for (const event of held) send(event);
      },
      (error: unknown) => {
        unsubscribe?.();
        socket.close(CLOSE_UNAUTHORIZED, isAppError(error) ? 'unknown login session or wrong kioskSecret' : 'server error');
      },
    );
  });

  socket.on('close', () => {
    clearTimeout(authTimer);
    unsubscribe?.();
  });
  socket.on('error', () => socket.terminate());
}

export const loginSessionEventRoutes: FastifyPluginAsync<{ services: Services; bus: EventBus }> = async (app, { services, bus }) => {
  app.route<{ Params: { id: string } }>({
    method: 'GET',
    url: '/login-sessions/:id/events',
    schema: {
      security: NO_BEARER,
      description: 'WebSocket. First message {"type":"auth","kioskSecret":"…"} within 10 s; then status and rejected messages (API.md).',
    },
    handler: async (_request, reply) =>
      reply.code(426).header('upgrade', 'websocket').send({ error: { code: 'UPGRADE_REQUIRED', message: 'this endpoint speaks WebSocket' } }),
    wsHandler: (socket, request) => watchLoginSession(socket, request.params.id, services, bus),
  });
};
