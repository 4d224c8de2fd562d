import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { isAppError } from '../errors.ts';
import { NO_BEARER } from '../http/schemas.ts';
import type { Services } from '../services.ts';
import { readAuthMessage } from './auth-message.ts';
import type { EventBus, LoginSessionEvent } from './event-bus.ts';
import { followLoginSession, isFinalStatus, type LoginSessionFollow } from './follow-login-session.ts';

/** Close code for a watcher that did not prove it holds the session's kioskSecret. */
export const CLOSE_UNAUTHORIZED = 4401;
const AUTH_TIMEOUT_MS = 10_000;

/**
 * `GET /login-sessions/:id/events`: the kiosk proves it holds the kioskSecret in its first message,
 * then hears the session's status at once and on every change until it ends.
 */
export function watchLoginSession(socket: WebSocket, id: string, services: Services, bus: EventBus): void {
  let follow: LoginSessionFollow | undefined;

  const send = (event: LoginSessionEvent) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(event.type === 'rejected' ? event : { type: 'status', ...event.session }));
    if (event.type === 'status' && isFinalStatus(event.session.status)) socket.close(1000, 'login session ended');
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
    follow = followLoginSession(services, bus, id, kioskSecret, send);
    follow.ready.catch((error: unknown) => {
      socket.close(CLOSE_UNAUTHORIZED, isAppError(error) ? 'unknown login session or wrong kioskSecret' : 'server error');
    });
  });

  socket.on('close', () => {
    clearTimeout(authTimer);
    follow?.stop();
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
