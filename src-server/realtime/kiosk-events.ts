import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { NO_BEARER } from '../http/schemas.ts';
import { appVersionOf } from '../kiosks/kiosk-presence.ts';
import { readerStateRoutes } from '../reader/reader-presence.ts';
import type { DeskReaderState } from '../reader/reader-protocol.ts';
import type { Services } from '../services.ts';
import { parseAuthMessage } from './auth-message.ts';
import { kioskChannel, type EventBus, type KioskEvent } from './event-bus.ts';
import { CLOSE_UNAUTHORIZED } from './login-session-events.ts';

const AUTH_TIMEOUT_MS = 10_000;

/**
 * `GET /kiosk/events`: a kiosk screen proves it holds its kiosk key in its first message, then hears
 * what concerns it beyond its login sessions: its desk reader's state (the reader on the server's
 * machine, or one at the kiosk reporting over `PUT /kiosk/reader-state`), and sign-outs it did not
 * ask for (a badge tapped out on the reader). While the socket is open the kiosk is online (its
 * `appVersion`, if the auth message carries one, is what the console shows).
 */
function watchKiosk(socket: WebSocket, services: Services, bus: EventBus, readerState: ReaderStateOf): void {
  let unsubscribe: (() => void) | undefined;
  let leave: (() => void) | undefined;
  const send = (event: KioskEvent | { type: 'hello'; kiosk: { id: number }; reader: DeskReaderState | null }) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
  };
  const timer = setTimeout(() => socket.close(CLOSE_UNAUTHORIZED, 'authentication timeout'), AUTH_TIMEOUT_MS);
  timer.unref();
  socket.once('message', (data) => {
    clearTimeout(timer);
    const auth = parseAuthMessage(data);
    const kioskKey = typeof auth?.kioskKey === 'string' ? auth.kioskKey : undefined;
    services.kiosks.authenticate(kioskKey).then(
      (kiosk) => {
        if (socket.readyState !== socket.OPEN) return;
        leave = services.kiosks.presence.connected(kiosk.id, appVersionOf(auth?.appVersion));
        unsubscribe = bus.subscribe(kioskChannel(kiosk.id), (event) => {
          // A revoked kiosk's screen is told at once, the way a wrong key is, and goes back to pairing.
          if (event.type === 'revoked') socket.close(CLOSE_UNAUTHORIZED, 'this kiosk was revoked');
          else send(event);
        });
        send({ type: 'hello', kiosk: { id: kiosk.id }, reader: readerState(kiosk.id) ?? null });
      },
      () => socket.close(CLOSE_UNAUTHORIZED, 'a valid kiosk key is required'),
    );
  });
  socket.on('close', () => {
    clearTimeout(timer);
    unsubscribe?.();
    leave?.();
  });
  socket.on('error', () => socket.terminate());
}

/** The state of the desk reader attached in-process to a kiosk, if that kiosk has one. */
type ReaderStateOf = (kioskId: number) => DeskReaderState | undefined;

export const kioskEventRoutes: FastifyPluginAsync<{ services: Services; bus: EventBus; readerState: ReaderStateOf }> = async (app, { services, bus, readerState }) => {
  await app.register(readerStateRoutes, { services, presence: services.kiosks.readers });
  // A reader reporting from the kiosk speaks for that kiosk; the in-process one for the kiosk it is attached to.
  const stateOf: ReaderStateOf = (kioskId) => services.kiosks.readers.state(kioskId) ?? readerState(kioskId);

  app.route({
    method: 'GET',
    url: '/kiosk/events',
    schema: {
      security: NO_BEARER,
      description: 'WebSocket. First message {"type":"auth","kioskKey":"…"} within 10 s; then the desk reader’s state and its taps at this kiosk.',
    },
    handler: async (_request, reply) =>
      reply.code(426).header('upgrade', 'websocket').send({ error: { code: 'UPGRADE_REQUIRED', message: 'this endpoint speaks WebSocket' } }),
    wsHandler: (socket) => watchKiosk(socket, services, bus, stateOf),
  });
};
