import type { FastifyInstance } from 'fastify';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export const isLoopbackHost = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');

/**
 * Refuses DNS rebinding: a page on some other site that gets its name resolved to 127.0.0.1 reaches
 * a server on loopback with its own name in `Host` and `Origin`. Only this machine's loopback names
 * and the public URL's host are accepted, in both headers (clients without an Origin, like curl, are
 * fine). Applied when the server listens on loopback, as the kiosk app's embedded server does.
 */
export function installHostGuard(app: FastifyInstance, allowedHosts: () => string[]): void {
  const allowed = (host: string) => {
    const name = host.toLowerCase().replace(/:\d+$/, '');
    return isLoopbackHost(name) || allowedHosts().includes(name);
  };
  app.addHook('onRequest', (request, reply, done) => {
    const host = request.headers.host;
    const origin = request.headers.origin;
    let originHost: string | undefined;
    if (origin !== undefined && origin !== 'null') {
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = '(malformed)';
      }
    }
    if ((host !== undefined && !allowed(host)) || (originHost !== undefined && !allowed(originHost))) {
      void reply.code(403).send({ error: { code: 'FORBIDDEN_HOST', message: 'this server only answers its own host names' } });
      return;
    }
    done();
  });
}
