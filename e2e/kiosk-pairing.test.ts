import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI_ACTOR } from '../src-server/audit/audit.repository.ts';
import { startTestServer, type TestServer } from '../src-server/testing/test-server.ts';
import { chromiumMissing, phoneContext, readQrFromScreen, screenshotPath, testScreen, useChromium } from './support/browser.ts';

const browser = useChromium();
const CODE = /^[A-Z0-9]{4}-[A-Z0-9]{4}$/;

async function serve(overrides: Parameters<typeof startTestServer>[0] = {}, dir?: string): Promise<TestServer> {
  const t = await startTestServer(overrides, dir ? { dir } : {});
  onTestFinished(() => t.close());
  return t;
}

/** A kiosk screen the size of a real one (1920×1080), its page errors checked at the end of the test. */
const kioskScreen = (locale = 'en-GB') => testScreen(browser(), { width: 1920, height: 1080, locale });

/** The code the kiosk shows, read off the screen as the administrator would. */
async function codeOnScreen(page: Page): Promise<string> {
  const code = page.locator('.pairing-code').filter({ hasText: CODE });
  await code.waitFor();
  return ((await code.textContent()) ?? '').trim();
}

/** A phone reads the QR and the badge (Web NFC is faked in the phone's browser: see phoneContext). */
async function unlockWithPhone(qrUrl: string, uid: string): Promise<void> {
  const context = await phoneContext(browser(), { uid });
  onTestFinished(() => context.close());
  const phone = await context.newPage();
  await phone.goto(qrUrl);
  await phone.getByRole('button', { name: 'Unlock' }).click();
  await phone.getByText(/^Done, /).waitFor();
}

const storedKey = (page: Page) => page.evaluate(() => localStorage.getItem('tapin.kioskKey'));

/** Opens /kiosk with no key and has its code approved: the kiosk is then on its login screen. */
async function pairKiosk(t: TestServer, page: Page, name = 'Hall'): Promise<{ id: number }> {
  await page.goto(`${t.url}/kiosk`);
  const code = await codeOnScreen(page);
  const approved = await t.server.services.pairings.approve({ code, name, location: 'Level 2' });
  await page.locator('.qr-image').waitFor({ timeout: 10_000 });
  return approved;
}

describe.skipIf(chromiumMissing)('pairing a browser kiosk from its screen, in Chromium', () => {
  it('shows a code with its server and what to do, and once an administrator approves it, signs people in', async () => {
    const t = await serve();
    const seed = await t.seed();
    const page = await kioskScreen();
    await page.goto(`${t.url}/kiosk`);
    await page.getByRole('heading', { name: 'Pair this kiosk' }).waitFor();
    const code = await codeOnScreen(page);
    await page.getByText(`with the TapIn server at ${new URL(t.url).origin}`).waitFor();
    await page.getByText('Kiosks → Pair a kiosk').waitFor();
    await page.getByText(`tapin kiosk pair ${code} --name NAME`).waitFor();
    await page.getByText(/^This code expires in (10:00|9:\d\d)/).waitFor();
    await page.screenshot({ path: screenshotPath('kiosk-pairing') });
    // The code fills the screen's width enough to be read from 2 m.
    const box = await page.locator('.pairing-code').boundingBox();
    expect(box?.height).toBeGreaterThan(120);
    // Neither the code nor the poll secret is ever in the address.
    expect(page.url()).toBe(`${t.url}/kiosk`);

    // The administrator approves it (the service the console's and the CLI's approvals call).
    await t.server.services.pairings.approve({ code, name: 'Hall', location: 'Level 2' });
    // Straight to the login screen, without a reload.
    await page.locator('.qr-image').waitFor({ timeout: 10_000 });
    await page.getByText('Hall · Level 2').waitFor();
    expect(await storedKey(page)).toMatch(/.{20,}/);
    expect(page.url()).toBe(`${t.url}/kiosk`);

    await unlockWithPhone(await readQrFromScreen(page), seed.user.uid);
    await page.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();

    // Kept: the next load opens on the login screen.
    await page.reload();
    await page.locator('.qr-image').waitFor();
  });

  it('speaks French on its pairing screen', async () => {
    const t = await serve();
    const page = await kioskScreen('fr-FR');
    await page.goto(`${t.url}/kiosk`);
    await page.getByRole('heading', { name: 'Associer cette borne' }).waitFor();
    const code = await codeOnScreen(page);
    await page.getByText(`tapin kiosk pair ${code} --name NOM`).waitFor();
    await page.screenshot({ path: screenshotPath('kiosk-pairing-fr') });
  });

  it('asks for a new code when the one on screen is no longer valid on the server', async () => {
    const t = await serve();
    const page = await kioskScreen();
    await page.goto(`${t.url}/kiosk`);
    const first = await codeOnScreen(page);
    // The code's 10 minutes have run out on the server (its row expired, as the clock would have it).
    await t.server.deps.db.updateTable('kiosk_pairings').set({ expires_at: Date.now() - 1 }).execute();
    await expect.poll(() => codeOnScreen(page), { timeout: 10_000 }).not.toBe(first);
    const second = await codeOnScreen(page);
    await t.server.services.pairings.approve({ code: second, name: 'Hall' });
    await page.locator('.qr-image').waitFor({ timeout: 10_000 });
  });

  it('falls back to its pairing screen when the kiosk is revoked, forgetting the key', async () => {
    const t = await serve();
    const page = await kioskScreen();
    const kiosk = await pairKiosk(t, page);
    await t.server.services.kiosks.revoke(kiosk.id, CLI_ACTOR);
    await page.getByRole('heading', { name: 'Pair this kiosk' }).waitFor({ timeout: 10_000 });
    await codeOnScreen(page);
    expect(await page.locator('.qr-image').count()).toBe(0);
    expect(await storedKey(page)).toBeNull();
    // And it can be paired again.
    await pairKiosk(t, page, 'Hall again');
  });

  it('says over the whole screen that the server cannot be reached, retries, and recovers on its own', async () => {
    const t = await serve();
    const seed = await t.seed();
    const page = await kioskScreen();
    await pairKiosk(t, page);
    const french = await kioskScreen('fr-FR');
    await french.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
    await french.locator('.qr-image').waitFor();
    const { dir } = t;
    const port = Number(new URL(t.url).port);

    await t.server.close();
    await page.getByRole('heading', { name: 'Can’t reach the TapIn server — retrying' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.qr-image').count()).toBe(0);
    await page.getByText(/^Next try in \d+ s$|^Trying now…$/).waitFor();
    // Backing off: after a few failed tries the next one is several seconds away.
    await page.getByText(/^Next try in ([3-9]|1\d) s$/).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: screenshotPath('kiosk-unreachable') });
    await french.getByRole('heading', { name: 'Serveur TapIn injoignable — nouvel essai en cours' }).waitFor();
    await french.screenshot({ path: screenshotPath('kiosk-unreachable-fr') });

    await serve({ port }, dir);
    await page.locator('.qr-image').waitFor({ timeout: 20_000 });
    expect(await storedKey(page)).not.toBeNull();
    await unlockWithPhone(await readQrFromScreen(page), seed.user.uid);
    await page.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
  });

  it('shows the unreachable screen when it cannot get a new pairing code, then a code once it can', async () => {
    const t = await serve();
    const page = await kioskScreen();
    await page.goto(`${t.url}/kiosk`);
    const first = await codeOnScreen(page);
    // The network between kiosk and server drops requests for codes (Playwright's interception, standing in for an outage).
    await page.route('**/api/v1/kiosk-pairings', (route) => route.abort('connectionrefused'));
    await t.server.deps.db.updateTable('kiosk_pairings').set({ expires_at: Date.now() - 1 }).execute();
    await page.getByRole('heading', { name: 'Can’t reach the TapIn server — retrying' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.pairing-code').count()).toBe(0);
    await page.unroute('**/api/v1/kiosk-pairings');
    await expect.poll(() => codeOnScreen(page), { timeout: 15_000 }).not.toBe(first);
  });
});
