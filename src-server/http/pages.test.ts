import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_RENDERER_DIR } from '../built-files.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

// `npm test` builds the pages before vitest runs: these serve what `npm run build` wrote.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET that shows the bytes as sent (fetch would undo the compression and hide it). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    request(`${t.url}${path}`, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** The scripts the kiosk page names (its first script and those it preloads). */
function kioskScripts(): string[] {
  const html = readFileSync(join(BUILT_RENDERER_DIR, 'kiosk.html'), 'utf8');
  return [...html.matchAll(/(?:src|href)="\.(\/assets\/[^"]+\.js)"/g)].map((match) => match[1] as string);
}

describe('the pages and their assets', () => {
  it('sends a script brotli-compressed to a browser that accepts it, gzip to one that takes only gzip, and plain to any other', async () => {
    const scripts = kioskScripts();
    expect(scripts.length).toBeGreaterThan(1);
    for (const path of scripts) {
      const plain = readFileSync(join(BUILT_RENDERER_DIR, path));
      const brotli = await rawGet(path, { 'accept-encoding': 'gzip, deflate, br' });
      expect(brotli.status).toBe(200);
      expect(brotli.headers['content-encoding']).toBe('br');
      expect(brotli.headers['content-type']).toMatch(/^(?:application|text)\/javascript/);
      expect(brotli.headers.vary).toMatch(/accept-encoding/);
      expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(brotliDecompressSync(brotli.body).equals(plain)).toBe(true);

      const gzip = await rawGet(path, { 'accept-encoding': 'gzip' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain)).toBe(true);

      const identity = await rawGet(path);
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.headers['content-type']).toMatch(/^(?:application|text)\/javascript/);
      expect(identity.body.equals(plain)).toBe(true);
    }
  });

  it('sends the pages compressed too, and never to be kept (they name the current build’s assets)', async () => {
    for (const path of ['/kiosk', '/admin', '/m']) {
      const page = await rawGet(path, { 'accept-encoding': 'br' });
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-encoding']).toBe('br');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(brotliDecompressSync(page.body).toString()).toContain('<div id="root">');
      expect((await rawGet(path)).headers['cache-control']).toBe('no-store');
    }
  });

  it('answers the icon, and /favicon.ico that browsers ask for anyway, with the SVG mark', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const icon = await rawGet(path);
      expect(icon.status).toBe(200);
      expect(icon.headers['content-type']).toBe('image/svg+xml');
      expect(icon.body.toString()).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
    for (const page of ['kiosk.html', 'm.html']) {
      expect(readFileSync(join(BUILT_RENDERER_DIR, page), 'utf8')).toContain('<link rel="icon" href="./favicon.svg" type="image/svg+xml"');
    }
  });
});
