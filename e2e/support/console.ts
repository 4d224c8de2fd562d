import type { Browser, Page } from 'playwright-core';
import { startTestServer, type Seed, type TestServer } from '../../src-server/testing/test-server.ts';
import { phoneContext, readQrFromScreen, type TestBadge } from './browser.ts';

/** The PIN of the seed's administrator, Katherine, in the console tests. */
export const ADMIN_PIN = '4826';

/** A site for the console tests: a seeded server whose administrator has ADMIN_PIN, dashboards slow to lock. */
export async function siteWithAdmin(): Promise<{ t: TestServer; seed: Seed }> {
  const t = await startTestServer({ idleLockSeconds: 600 });
  const seed = await t.seed();
  await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, { userId: null, source: 'cli' });
  return { t, seed };
}

/** Types a PIN on the screen's keypad and confirms it. */
export async function typePin(page: Page, pin: string, ok = 'OK'): Promise<void> {
  for (const digit of pin) await page.locator('.pin-keys').getByRole('button', { name: digit, exact: true }).click();
  await page.getByRole('button', { name: ok, exact: true }).click();
}

/** A phone scans the code on `screen` and reads this badge (its Web NFC is faked: see phoneContext). */
export async function scanWith(browser: Browser, screen: Page, badge: TestBadge): Promise<Page> {
  const phone = await (await phoneContext(browser, badge)).newPage();
  await phone.goto(await readQrFromScreen(screen));
  await phone.getByRole('button', { name: 'Unlock' }).click();
  return phone;
}

/** Signs an administrator in at the console page showing its code: badge on a phone, then the PIN. */
export async function signInAtConsole(browser: Browser, admin: Page, badge: TestBadge, pin: string): Promise<void> {
  await admin.locator('.qr-image').waitFor();
  await scanWith(browser, admin, badge);
  await typePin(admin, pin);
  await admin.locator('.console').waitFor();
}
