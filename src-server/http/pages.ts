import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

// The admin console is the kiosk app in its admin mode (it signs in the same way, then opens the console).
const PAGES: Record<string, string> = { '/kiosk': 'kiosk.html', '/admin': 'kiosk.html', '/m': 'm.html' };

// Browsers ask for /favicon.ico whatever the page links to: both answer with the one icon.
const ICON_PATHS = ['/favicon.svg', '/favicon.ico'];

/**
 * Serves the built React pages (`npm run build`, run by `npm install` too), their assets and the icon.
 * The build writes brotli and gzip copies next to them, sent to the browsers that accept them.
 */
export const pageRoutes: FastifyPluginAsync<{ rendererDir: string }> = async (app, { rendererDir }) => {
  const built = existsSync(join(rendererDir, 'kiosk.html'));
  if (built) {
    // Hashed file names: a new build is a new name, so a browser may keep each one for good.
    await app.register(fastifyStatic, { root: join(rendererDir, 'assets'), prefix: '/assets/', index: false, immutable: true, maxAge: '1y', preCompressed: true });
  }
  const notBuilt = { error: { code: 'PAGES_NOT_BUILT', message: 'the web pages are not built yet: run `npm run build` and restart' } };
  for (const [path, file] of Object.entries(PAGES)) {
    // Pages, not API: left out of the OpenAPI document.
    app.get(path, { schema: { hide: true } }, async (_request, reply) => {
      if (!built) return reply.code(503).send(notBuilt);
      // Never kept: a page names the current build's assets (sendFile would mark it immutable, as they are).
      return reply.header('cache-control', 'no-store').sendFile(file, rendererDir, { cacheControl: false });
    });
  }
  for (const path of ICON_PATHS) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) => {
      if (!built) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no icon until the web pages are built' } });
      // Not hashed: kept a day, so that a new icon shows up soon enough.
      return reply.header('cache-control', 'public, max-age=86400').sendFile('favicon.svg', rendererDir, { cacheControl: false });
    });
  }
};
