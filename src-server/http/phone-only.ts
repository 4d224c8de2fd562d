import type { FastifyInstance } from 'fastify';

/** What a phone on the LAN needs: its page, the page's assets, and the two phone endpoints. */
const PHONE_ROUTES = [/^\/m(\?|$)/, /^\/assets\//, /^\/api\/v1\/login-sessions\/(inspect|validate)(\?|$)/, /^\/healthz(\?|$)/];

const isLoopbackAddress = (address: string | undefined) =>
  address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));

/**
 * For a kiosk app that lets phones reach it over the LAN: requests that arrive on any address but
 * loopback get only the phone's routes; the kiosk and admin endpoints answer on loopback (and over
 * IPC) alone. `isLocal` says which local addresses count as this machine (loopback by default).
 */
export function installPhoneOnlyOffLoopback(app: FastifyInstance, isLocal: (address: string | undefined) => boolean = isLoopbackAddress): void {
  app.addHook('onRequest', async (request, reply) => {
    // No local address: an in-process request (`app.inject`, the kiosk app's IPC), never from the network.
    const local = request.socket.localAddress;
    if (local === undefined || isLocal(local)) return;
    if (PHONE_ROUTES.some((route) => route.test(request.url))) return;
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
