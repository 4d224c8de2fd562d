import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startTestServer, type Seed, type TestServer } from '../src-server/testing/test-server.ts';
import { chromiumMissing, kioskContext, useChromium, phoneContext, readQrFromScreen, screenshotPath } from './support/browser.ts';

const browser = useChromium();

async function serve(overrides: Parameters<typeof startTestServer>[0], dir?: string): Promise<TestServer> {
  const t = await startTestServer(overrides, dir ? { dir } : {});
  onTestFinished(() => t.close());
  return t;
}

async function openKiosk(t: TestServer, seed: Seed): Promise<Page> {
  const page = await (await kioskContext(browser())).newPage();
  await page.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
  await page.locator('.qr-image').waitFor();
  return page;
}

async function unlockWithPhone(qrUrl: string, uid: string): Promise<void> {
  const phone = await (await phoneContext(browser(), { uid })).newPage();
  await phone.goto(qrUrl);
  await phone.getByRole('button', { name: 'Unlock' }).click();
  await phone.getByText(/^Done, /).waitFor();
}

describe.skipIf(chromiumMissing)('the kiosk over time and through outages, in Chromium', () => {

  it('renews its code before it expires, never showing a blank frame', async () => {
    const t = await serve({ sessionTtlSeconds: 4 });
    const seed = await t.seed();
    const kiosk = await openKiosk(t, seed);
    const first = await readQrFromScreen(kiosk);
    // Watch the code's drawing itself (cheap, and it never waits for an element that is gone) until it
    // changes; a frame with no code at all is what must never happen.
    const drawing = () => kiosk.evaluate<string | null>("document.querySelector('.qr-image')?.innerHTML ?? null");
    const firstDrawing = await drawing();
    let blank = false;
    let now = firstDrawing;
    const deadline = Date.now() + 8_000;
    while ((now === firstDrawing || now === null) && Date.now() < deadline) {
      await kiosk.waitForTimeout(50);
      now = await drawing();
      if (now === null) blank = true;
    }
    expect(blank).toBe(false);
    const current = await readQrFromScreen(kiosk);
    expect(current).not.toBe(first);
    // The renewed code works.
    await unlockWithPhone(current, seed.user.uid);
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
  });

  it('locks an idle dashboard after a visible warning and returns to a fresh code', async () => {
    const t = await serve({ idleLockSeconds: 5 });
    const seed = await t.seed();
    const kiosk = await openKiosk(t, seed);
    await unlockWithPhone(await readQrFromScreen(kiosk), seed.user.uid);
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    await kiosk.getByText(/^Locking in \d s/).waitFor();
    await kiosk.screenshot({ path: screenshotPath('kiosk-idle-warning') });
    await kiosk.locator('.qr-image').waitFor({ timeout: 8_000 });
    expect(await kiosk.locator('.dashboard').count()).toBe(0);
    // Locking logged the user out on the server too.
    await expect.poll(async () => (await t.server.deps.db.selectFrom('audit_log').select('event').where('event', '=', 'logout').execute()).length).toBe(1);
  });

  it('takes its code down while the server is unreachable, saying so over the whole screen, and shows a new one when it is back', async () => {
    const t = await serve({ sessionTtlSeconds: 3 });
    const seed = await t.seed();
    const kiosk = await openKiosk(t, seed);
    const { dir } = t;
    const port = Number(new URL(t.url).port);
    await t.server.close();
    await kiosk.getByRole('heading', { name: 'Can’t reach the TapIn server — retrying' }).waitFor({ timeout: 6_000 });
    expect(await kiosk.locator('.qr-image').count()).toBe(0);
    await kiosk.getByText(/^Next try in \d+ s$|^Trying now…$/).waitFor();
    await kiosk.screenshot({ path: screenshotPath('kiosk-offline') });
    await serve({ port, sessionTtlSeconds: 30 }, dir);
    await kiosk.locator('.qr-image').waitFor({ timeout: 15_000 });
    await unlockWithPhone(await readQrFromScreen(kiosk), seed.user.uid);
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
  });

  it('keeps a signed-in person on their dashboard through a server restart, with a notice in the header', async () => {
    const t = await serve({});
    const seed = await t.seed();
    const kiosk = await openKiosk(t, seed);
    const { dir } = t;
    const port = Number(new URL(t.url).port);
    await unlockWithPhone(await readQrFromScreen(kiosk), seed.user.uid);
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();

    await t.server.close();
    await kiosk.getByText('Connection lost — reconnecting…').waitFor({ timeout: 10_000 });
    await kiosk.screenshot({ path: screenshotPath('kiosk-dashboard-offline') });
    expect(await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).count()).toBe(1);

    await serve({ port }, dir);
    await kiosk.getByText('Connection lost — reconnecting…').waitFor({ state: 'detached', timeout: 15_000 });
    // Logging out after the outage returns to a working code.
    await kiosk.getByRole('button', { name: 'Log out' }).click();
    await kiosk.locator('.qr-image').waitFor();
    await unlockWithPhone(await readQrFromScreen(kiosk), seed.user.uid);
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
  });
});
