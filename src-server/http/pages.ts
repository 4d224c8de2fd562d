import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

// The admin console is the kiosk app in its admin mode (it signs in the same way, then opens the console).
const PAGES: Record<string, string> = { '/kiosk': 'kiosk.html', '/admin': 'kiosk.html', '/m': 'm.html' };

/** Serves the built React pages (`npm run build`, run by `npm install` too) and their assets. */
export const pageRoutes: FastifyPluginAsync<{ rendererDir: string }> = async (app, { rendererDir }) => {
  const built = existsSync(join(rendererDir, 'kiosk.html'));
  if (built) {
    await app.register(fastifyStatic, { root: join(rendererDir, 'assets'), prefix: '/assets/', index: false, immutable: true, maxAge: '1y' });
  }
  for (const [path, file] of Object.entries(PAGES)) {
    // Pages, not API: left out of the OpenAPI document.
    app.get(path, { schema: { hide: true } }, async (_request, reply) => {
      if (!built) {
        return reply
          .code(503)
          .send({ error: { code: 'PAGES_NOT_BUILT', message: 'the web pages are not built yet: run `npm run build` and restart' } });
      }
      return reply.header('cache-control', 'no-store').sendFile(file, rendererDir);
    });
  }
};
