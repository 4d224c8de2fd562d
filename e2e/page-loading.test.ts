import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_RENDERER_DIR } from '../src-server/built-files.ts';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../src-server/testing/test-server.ts';
import { chromiumMissing, kioskContext, pageErrors, phoneContext, useChromium } from './support/browser.ts';

const browser = useChromium();
let t: TestServer;
let seed: Seed;

beforeAll(async () => {
  t = await startTestServer();
  seed = await t.seed();
});
afterAll(() => t.close());

/** The scripts a built page names: its first script and the ones it preloads. */
function scriptsOf(page: 'kiosk.html' | 'm.html'): string[] {
  const html = readFileSync(join(BUILT_RENDERER_DIR, page), 'utf8');
  return [...html.matchAll(/(?:src|href)="\.(\/assets\/[^"]+\.js)"/g)].map((match) => match[1] as string);
}

/**
 * React DOM hands itself to the devtools hook when its module has run: a stand-in hook notes that
 * moment, in the page's own time (as resource timings are).
 */
async function watchReact(context: BrowserContext): Promise<void> {
  await context.addInitScript({
    content: `
      window.__tapinReact = {};
      window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
        supportsFiber: true,
        inject() { window.__tapinReact.evaluatedAt = performance.now(); return 1; },
      };
    `,
  });
}

/** When React DOM had run, and when the first request to `path` was sent, in the page's own time. */
function timings(page: Page, path: string): Promise<{ reactEvaluatedAt: number; requestSentAt: number | undefined }> {
  return page.evaluate((path) => {
    const { evaluatedAt } = (globalThis as unknown as { __tapinReact: { evaluatedAt: number } }).__tapinReact;
    const entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === path);
    return { reactEvaluatedAt: evaluatedAt, requestSentAt: entry?.startTime };
  }, path);
}

/** The paths of the scripts a page downloads from now on. */
function scriptRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.endsWith('.js')) paths.push(pathname);
  });
  return paths;
}

describe.skipIf(chromiumMissing)('what the pages download, and how soon they ask for what they show', () => {
  it('asks for the kiosk’s first code before React has even run, and downloads no admin console', async () => {
    const context = await kioskContext(browser());
    try {
      await watchReact(context);
      const page = await context.newPage();
      const errors = pageErrors(page);
      const scripts = scriptRequests(page);
      await page.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
      await page.locator('svg.qr-image').waitFor();

      const { reactEvaluatedAt, requestSentAt } = await timings(page, '/api/v1/login-sessions');
      expect(requestSentAt).toBeDefined();
      expect(requestSentAt).toBeLessThan(reactEvaluatedAt);
      expect([...scripts].sort()).toEqual([...scriptsOf('kiosk.html')].sort());
      expect(scripts.join(' ')).not.toMatch(/AdminConsole/);
      // No missing icon, no refused script: nothing in the console at all.
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('fetches the admin console on /admin, while the administrator signs in', async () => {
    const context = await kioskContext(browser());
    try {
      const page = await context.newPage();
      const errors = pageErrors(page);
      const scripts = scriptRequests(page);
      const consoleScript = page.waitForRequest((request) => /\/assets\/AdminConsole-[^/]+\.js$/.test(request.url()), { timeout: 10_000 });
      await page.goto(`${t.url}/admin#key=${seed.kioskKey}`);
      await page.locator('svg.qr-image').waitFor();
      await consoleScript;
      expect(scripts.filter((path) => !scriptsOf('kiosk.html').includes(path))).toEqual([expect.stringMatching(/^\/assets\/AdminConsole-[^/]+\.js$/)]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('asks which kiosk a code unlocks before React has run, and downloads nothing of the kiosk’s', async () => {
    const { qrPayload } = await createLoginSession(t, seed.kioskKey);
    const context = await phoneContext(browser(), undefined);
    try {
      await watchReact(context);
      const page = await context.newPage();
      const errors = pageErrors(page);
      const scripts = scriptRequests(page);
      await page.goto(qrPayload);
      await page.getByRole('heading', { name: 'Unlock Lobby kiosk — Building A?' }).waitFor();

      const { reactEvaluatedAt, requestSentAt } = await timings(page, '/api/v1/login-sessions/inspect');
      expect(requestSentAt).toBeDefined();
      expect(requestSentAt).toBeLessThan(reactEvaluatedAt);
      expect([...scripts].sort()).toEqual([...scriptsOf('m.html')].sort());
      const kioskOnly = scriptsOf('kiosk.html').filter((path) => !scriptsOf('m.html').includes(path));
      expect(kioskOnly.length).toBeGreaterThan(0);
      expect(scripts.filter((path) => kioskOnly.includes(path))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says so in the console’s place when it cannot be downloaded, and the kiosk carries on', async () => {
    const context = await kioskContext(browser());
    try {
      await context.route(/\/assets\/AdminConsole-[^/]+\.js$/, (route) => route.abort());
      const page = await context.newPage();
      const created = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/login-sessions');
      await page.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
      await page.locator('svg.qr-image').waitFor();
      const { token } = (await (await created).json()) as { token: string };
      const { uid, secret } = seed.secretUser;
      expect((await t.api('/api/v1/login-sessions/validate', { body: { token, badge: { uid, secret } } })).status).toBe(200);

      await page.getByRole('button', { name: 'Administration' }).click();
      await page.getByText('The administration console could not be loaded. Reload the page and try again.').waitFor();
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.locator('svg.qr-image').waitFor();
    } finally {
      await context.close();
    }
  });
});
