import type { Locator, Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { chromiumMissing, phoneContext, readQrFromScreen, screenshotPath, testScreen, useChromium } from './support/browser.ts';
import { ADMIN_PIN, siteWithAdmin, typePin } from './support/console.ts';

// A site's server, end to end in Chromium: a new kiosk shows a code, an administrator pairs it from the
// console, a phone signs in on it, the administrator revokes it. The only stand-in is the phone's Web
// NFC (see phoneContext): desktop Chromium has none.
const browser = useChromium();
const CODE = /^[A-Z0-9]{4}-[A-Z0-9]{4}$/;

/** A browser page of its own (its own storage), the size of a kiosk screen; its page errors checked at the end. */
const newScreen = (width = 1280, height = 800) => testScreen(browser(), { width, height });

/** A phone reads the QR code off the screen and taps this badge. */
async function unlockWithPhone(screen: Page, badge: { uid: string; secret?: string }): Promise<void> {
  const context = await phoneContext(browser(), badge);
  onTestFinished(() => context.close());
  const phone = await context.newPage();
  await phone.goto(await readQrFromScreen(screen));
  await phone.getByRole('button', { name: 'Unlock' }).click();
  await phone.getByText(/^Done, /).waitFor();
}

/** Has the Kiosks tab ask the server again (as it does when its window gets the focus), then counts what it shows. */
async function refreshed(admin: Page, what: Locator): Promise<number> {
  await admin.evaluate("window.dispatchEvent(new Event('focus'))");
  return what.count();
}

describe.skipIf(chromiumMissing)('a site: pairing a browser kiosk from the console, in Chromium', () => {
  it('pairs the kiosk by the code on its screen, signs someone in on it, and sends it back to pairing when revoked', async () => {
    const { t, seed } = await siteWithAdmin();
    onTestFinished(() => t.close());

    // A new kiosk: /kiosk with no key shows its code, full screen.
    const kiosk = await newScreen(1920, 1080);
    await kiosk.goto(`${t.url}/kiosk`);
    await kiosk.getByRole('heading', { name: 'Pair this kiosk' }).waitFor();
    const codeOnScreen = kiosk.locator('.pairing-code').filter({ hasText: CODE });
    await codeOnScreen.waitFor();
    const code = ((await codeOnScreen.textContent()) ?? '').trim();

    // The administrator, at the console's own screen: badge, PIN, Kiosks → Pair a kiosk.
    const admin = await newScreen();
    await admin.goto(`${t.url}/admin#key=${seed.kioskKey}`);
    await admin.locator('.qr-image').waitFor();
    await unlockWithPhone(admin, { uid: seed.secretUser.uid, secret: seed.secretUser.secret });
    await typePin(admin, ADMIN_PIN);
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();
    await admin.getByRole('tab', { name: 'Kiosks' }).click();
    const form = admin.getByRole('form', { name: 'Pair a kiosk' });
    await form.getByLabel('Code').fill(code);
    await form.getByLabel('Name').fill('Reception');
    await form.getByLabel('Location').fill('Ground floor');
    // The moment of pairing: the code on the kiosk, typed into the console.
    await kiosk.screenshot({ path: screenshotPath('site-pairing-code') });
    await admin.screenshot({ path: screenshotPath('site-pairing-form') });
    await form.getByRole('button', { name: 'Pair' }).click();
    await form.getByRole('status').getByText('Kiosk “Reception” is paired: it receives its key by itself.').waitFor();

    // The kiosk goes to its login screen by itself, under its new name.
    await kiosk.locator('.qr-image').waitFor({ timeout: 10_000 });
    await kiosk.getByText('Reception · Ground floor').waitFor();
    const row = admin.getByRole('row', { name: /Reception/ });
    await row.getByRole('cell', { name: 'Ground floor' }).waitFor();
    // The console sees it come online (it asks again when its window gets the focus).
    await expect.poll(() => refreshed(admin, row.getByText('Online', { exact: true })), { timeout: 10_000 }).toBe(1);
    await admin.screenshot({ path: screenshotPath('site-pairing-console') });
    await kiosk.screenshot({ path: screenshotPath('site-pairing-kiosk') });
    expect(kiosk.url()).toBe(`${t.url}/kiosk`);

    // Someone signs in on it with their phone and badge.
    await unlockWithPhone(kiosk, { uid: seed.user.uid });
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    await expect.poll(() => refreshed(admin, row.getByRole('cell', { name: 'Grace Hopper' })), { timeout: 10_000 }).toBe(1);

    // Revoked from the console: the kiosk forgets its key and shows a new code.
    await row.getByRole('button', { name: 'Revoke' }).click();
    await admin.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    await kiosk.getByRole('heading', { name: 'Pair this kiosk' }).waitFor({ timeout: 10_000 });
    await expect.poll(async () => ((await codeOnScreen.textContent()) ?? '').trim(), { timeout: 10_000 }).toMatch(CODE);
    expect(((await codeOnScreen.textContent()) ?? '').trim()).not.toBe(code);
    expect(await kiosk.locator('.qr-image').count()).toBe(0);
    expect(await kiosk.evaluate(() => localStorage.getItem('tapin.kioskKey'))).toBeNull();
  }, 90_000);
});
