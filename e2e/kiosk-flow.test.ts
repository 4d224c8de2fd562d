import type { Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startTestServer, type Seed, type TestServer } from '../src-server/testing/test-server.ts';
import { chromiumMissing, kioskContext, pageErrors, useChromium, phoneContext, readQrFromScreen, screenshotPath, type TestBadge } from './support/browser.ts';

const browser = useChromium();
let t: TestServer;
let seed: Seed;

if (chromiumMissing) console.error('e2e: skipped, Chromium is not installed at /usr/bin/chromium (apt-get install chromium)');

// Every page error seen by any test, checked at the end for Content-Security-Policy refusals.
const errors: string[] = [];
afterAll(() => {
  expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
});

async function openKiosk(key = seed.kioskKey): Promise<Page> {
  const context = await kioskContext(browser());
  const page = await context.newPage();
  const seen = pageErrors(page);
  onTestFinished(() => void errors.push(...seen));
  await page.goto(`${t.url}/kiosk#key=${key}`);
  await page.locator('.qr-image').waitFor();
  return page;
}

async function openPhone(url: string, badge: TestBadge | undefined): Promise<Page> {
  const context = await phoneContext(browser(), badge);
  const page = await context.newPage();
  const seen = pageErrors(page);
  onTestFinished(() => void errors.push(...seen));
  await page.goto(url);
  return page;
}

describe.skipIf(chromiumMissing)('the kiosk and the phone, in Chromium', () => {
  beforeEach(async () => {
    t = await startTestServer({ idleLockSeconds: 120 });
    seed = await t.seed();
    return () => t.close();
  });

  it('unlocks the kiosk onto the dashboard when a phone reads the QR code and a badge', async () => {
    const kiosk = await openKiosk();
    expect(new URL(kiosk.url()).hash).toBe('');
    await kiosk.screenshot({ path: screenshotPath('kiosk-qr') });
    const qrUrl = await readQrFromScreen(kiosk);
    expect(qrUrl).toMatch(new RegExp(`^${t.url}/m#t=[A-Za-z0-9_-]{64}$`));

    const phone = await openPhone(qrUrl, { uid: '04:a1:b2:c3:d4:e5:f6' });
    await phone.getByRole('heading', { name: 'Unlock Lobby kiosk — Building A?' }).waitFor();
    await expect(phone.locator('button:focus').textContent()).resolves.toBe('Cancel');
    await phone.screenshot({ path: screenshotPath('phone-confirm') });

    const exchanged = kiosk.waitForResponse((r) => r.url().endsWith('/exchange'));
    const validated = phone.waitForResponse((r) => r.url().endsWith('/login-sessions/validate'));
    await phone.getByRole('button', { name: 'Unlock' }).click();
    await validated;
    const answeredAt = performance.now();
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    const { accessToken } = (await (await exchanged).json()) as { accessToken: string };
    const dashboardAfterMs = performance.now() - answeredAt;
    console.error(`e2e: dashboard painted ${dashboardAfterMs.toFixed(0)} ms after the phone's validation returned`);
    await phone.getByText('Done, Grace Hopper: Lobby kiosk is unlocking.').waitFor();
    await phone.screenshot({ path: screenshotPath('phone-success') });
    await kiosk.screenshot({ path: screenshotPath('kiosk-dashboard') });
    expect(await kiosk.locator('.last-login').textContent()).toBe('This is your first login.');

    await kiosk.getByRole('button', { name: 'Log out' }).click();
    await kiosk.locator('.qr-image').waitFor();
    await expect.poll(async () => (await t.api('/api/v1/me', { token: accessToken })).status).toBe(401);
    const next = await readQrFromScreen(kiosk);
    expect(next).not.toBe(qrUrl);
  });

  it('keeps the kiosk on its code when the badge is rejected, and says so on both screens', async () => {
    const kiosk = await openKiosk();
    const phone = await openPhone(await readQrFromScreen(kiosk), { uid: '04FFFFFFFFFFFF' });
    await phone.getByRole('button', { name: 'Unlock' }).click();
    await phone.getByText('This badge was not accepted.').waitFor();
    await kiosk.getByText('Badge not accepted. 4 attempts left on this code.').waitFor();
    await kiosk.screenshot({ path: screenshotPath('kiosk-rejected') });
    await phone.screenshot({ path: screenshotPath('phone-rejected') });
    expect(await kiosk.locator('.dashboard').count()).toBe(0);
  });

  it('unlocks nothing when the person cancels on the phone', async () => {
    const kiosk = await openKiosk();
    const qrUrl = await readQrFromScreen(kiosk);
    const phone = await openPhone(qrUrl, { uid: '04A1B2C3D4E5F6' });
    await phone.getByRole('button', { name: 'Cancel' }).click();
    await phone.getByText('Cancelled. Nothing was unlocked.').waitFor();
    const inspected = await t.api('/api/v1/login-sessions/inspect', { body: { token: new URL(qrUrl).hash.slice(3) } });
    expect(inspected.body.status).toBe('pending');
  });

  it('says plainly when the phone cannot read NFC', async () => {
    const kiosk = await openKiosk();
    const phone = await openPhone(await readQrFromScreen(kiosk), undefined);
    await phone.getByRole('button', { name: 'Unlock' }).click();
    await phone.getByText(/cannot read NFC badges/).waitFor();
    // Outside demo mode there are no demo badges to offer.
    expect(await phone.locator('.demo-badges').count()).toBe(0);
    await phone.screenshot({ path: screenshotPath('phone-no-nfc') });
  });

  it('shows the pairing screen without a key, and with a key the server refuses (which it forgets)', async () => {
    const context = await kioskContext(browser());
    const page = await context.newPage();
    await page.goto(`${t.url}/kiosk`);
    await page.getByRole('heading', { name: 'Pair this kiosk' }).waitFor();
    await page.locator('.pairing-code').filter({ hasText: /^[A-Z0-9]{4}-[A-Z0-9]{4}$/ }).waitFor();
    await page.goto(`${t.url}/kiosk#key=tk_wrong`);
    await page.reload();
    await page.getByRole('heading', { name: 'Pair this kiosk' }).waitFor();
    await page.locator('.pairing-code').filter({ hasText: /^[A-Z0-9]{4}-[A-Z0-9]{4}$/ }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('tapin.kioskKey'))).toBeNull();
  });

  it('speaks French to a French browser', async () => {
    const context = await browser().newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await page.screenshot({ path: screenshotPath('kiosk-qr-fr') });
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('tells the phone a code has expired, and points to the new one', async () => {
    const kiosk = await openKiosk();
    const qrUrl = await readQrFromScreen(kiosk);
    await t.server.deps.db.updateTable('login_sessions').set({ expires_at: Date.now() - 1 }).execute();
    const phone = await openPhone(qrUrl, { uid: '04A1B2C3D4E5F6' });
    await phone.getByText('This code has expired. Scan the new code on the kiosk.').waitFor();
    await phone.screenshot({ path: screenshotPath('phone-expired') });
  });

  it('measures how soon the code is on screen after the kiosk page opens', async () => {
    const page = await (await kioskContext(browser())).newPage();
    const started = performance.now();
    await page.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
    await page.locator('.qr-image').waitFor();
    const onScreen = performance.now() - started;
    const box = await page.locator('.qr-box').boundingBox();
    console.error(`e2e: QR on screen ${onScreen.toFixed(0)} ms after navigation began`);
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.width).toBe(box?.height);
  });
});

describe.skipIf(chromiumMissing)('the demo phone, in Chromium', () => {

  it('offers the demo badges to a phone without NFC, and one unlocks the kiosk', async () => {
    t = await startTestServer({ demo: true });
    seed = await t.seed();
    try {
      const kiosk = await openKiosk();
      const phone = await openPhone(await readQrFromScreen(kiosk), undefined);
      await phone.getByRole('button', { name: 'Unlock' }).click();
      const demoButton = phone.getByRole('button', { name: 'Grace Hopper · 04A1B2C3D4E5F6' });
      await demoButton.waitFor();
      // A badge with a secret is never offered.
      expect(await phone.getByRole('button', { name: /Katherine Johnson/ }).count()).toBe(0);
      await phone.screenshot({ path: screenshotPath('phone-demo-badges') });
      await demoButton.click();
      await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    } finally {
      await t.close();
    }
  });
});
