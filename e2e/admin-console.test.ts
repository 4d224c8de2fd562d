import type { Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Seed, TestServer } from '../src-server/testing/test-server.ts';
import { chromiumMissing, kioskContext, pageErrors, screenshotPath, useChromium, type TestBadge } from './support/browser.ts';
import { ADMIN_PIN, scanWith as scanPhone, siteWithAdmin, typePin } from './support/console.ts';

// The administrator's half in Chromium: /admin signs in like any kiosk (QR, phone, badge), asks for the
// PIN on the screen, then opens the console. The phone's NFC is faked as in kiosk-flow (no Web NFC here).
const browser = useChromium();
let t: TestServer;
let seed: Seed;

const errors: string[] = [];
afterAll(() => {
  expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
});

async function open(path: string, locale = 'en-GB'): Promise<Page> {
  const context = await kioskContext(browser());
  const page = await (locale === 'en-GB' ? context : await browser().newContext({ locale, viewport: { width: 1280, height: 800 } })).newPage();
  const seen = pageErrors(page);
  onTestFinished(() => void errors.push(...seen));
  await page.goto(`${t.url}${path}#key=${seed.kioskKey}`);
  await page.locator('.qr-image').waitFor();
  return page;
}

const scanWith = (screen: Page, badge: TestBadge) => scanPhone(browser(), screen, badge);

const katherine = () => ({ uid: seed.secretUser.uid, secret: seed.secretUser.secret });

describe.skipIf(chromiumMissing)('the admin console, in Chromium', () => {
  beforeEach(async () => {
    ({ t, seed } = await siteWithAdmin());
    return () => t.close();
  });

  it('badge + PIN, then: create a user, enroll a badge, revoke it — and that badge fails at the kiosk', async () => {
    const admin = await open('/admin');
    await scanWith(admin, katherine());
    await admin.getByRole('heading', { name: 'Enter your PIN' }).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-pin') });
    // No token exists before the PIN.
    expect(await t.server.deps.db.selectFrom('access_sessions').select('id').execute()).toEqual([]);
    await typePin(admin, '1111');
    await admin.getByText('Wrong PIN. 4 tries left.').waitFor();
    await typePin(admin, ADMIN_PIN);
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();
    await admin.getByRole('cell', { name: 'Grace Hopper' }).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-users') });

    await admin.getByRole('button', { name: 'New user' }).click();
    const form = admin.getByRole('form', { name: 'New user' });
    await form.getByLabel('Name').fill('Mary Jackson');
    await form.getByRole('button', { name: 'Create user' }).click();
    await admin.getByRole('heading', { name: 'Mary Jackson' }).waitFor();

    await admin.getByRole('button', { name: 'Add by UID' }).click();
    await admin.getByLabel('UID', { exact: true }).fill('04:77:88:99:aa:bb:cc');
    await admin.getByRole('button', { name: 'Add badge' }).click();
    await admin.getByText('Badge 04778899AABBCC added.').waitFor();
    await admin.getByRole('cell', { name: '04778899AABBCC' }).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-user-detail') });

    // The new badge works at a kiosk…
    const kiosk = await open('/kiosk');
    await scanWith(kiosk, { uid: '04778899AABBCC' });
    await kiosk.getByRole('heading', { name: 'Welcome, Mary Jackson' }).waitFor();
    await kiosk.getByRole('button', { name: 'Log out' }).click();
    await kiosk.locator('.qr-image').waitFor();

    // …until it is revoked, with its reason and a confirmation.
    await admin.getByLabel('Reason').selectOption('lost');
    await admin.getByRole('row', { name: /04778899AABBCC/ }).getByRole('button', { name: 'Revoke' }).click();
    await admin.getByRole('alertdialog').getByText('Revoke badge 04778899AABBCC? It stops working at once.').waitFor();
    await admin.screenshot({ path: screenshotPath('admin-confirm') });
    await admin.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
    await admin.getByText('Badge 04778899AABBCC revoked.').waitFor();
    await admin.getByText('Revoked (Lost)').waitFor();

    const phone = await scanWith(kiosk, { uid: '04778899AABBCC' });
    await phone.getByText('This badge was not accepted.').waitFor();
    await kiosk.getByText('Badge not accepted. 4 attempts left on this code.').waitFor();

    // Every change is in the audit log, with who made it.
    await admin.getByRole('tab', { name: 'Audit log' }).click();
    await admin.getByLabel('Event').selectOption('badge');
    await admin.getByRole('cell', { name: 'badge.revoke' }).waitFor();
    const revoked = admin.getByRole('row', { name: /badge\.revoke/ });
    await expect(revoked.textContent()).resolves.toContain('Katherine Johnson');
    await admin.getByRole('button', { name: 'Check integrity' }).click();
    await admin.getByText(/The log is intact: \d+ entries/).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-audit') });
  }, 90_000);

  it('asks for the PIN again before a change once the last confirmation is old, then makes it', async () => {
    const admin = await open('/admin');
    await scanWith(admin, katherine());
    await typePin(admin, ADMIN_PIN);
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();
    // Five minutes pass (the server's clock is real here: the confirmation is made old instead).
    await t.server.deps.db.updateTable('access_sessions').set({ pin_confirmed_at: 0 }).execute();

    await admin.getByRole('tab', { name: 'Kiosks' }).click();
    await admin.getByRole('form', { name: 'Register a kiosk' }).getByLabel('Name').fill('Front desk');
    await admin.getByRole('form', { name: 'Register a kiosk' }).getByLabel('Location').fill('Hall');
    await admin.getByRole('button', { name: 'Register a kiosk' }).click();
    await admin.getByRole('heading', { name: 'Confirm with your PIN' }).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-step-up') });
    await typePin(admin, '9999');
    await admin.getByText('Wrong PIN.').waitFor();
    await typePin(admin, ADMIN_PIN);
    await admin.getByText('Kiosk “Front desk” is registered.', { exact: false }).waitFor();
    const key = await admin.locator('.secret-once code').first().textContent();
    expect(key).toMatch(/^tk_/);
    expect((await t.api('/api/v1/kiosk', { token: key ?? '' })).body.kiosk.name).toBe('Front desk');
    await admin.screenshot({ path: screenshotPath('admin-kiosks') });

    await admin.getByRole('tab', { name: 'Signed in now' }).click();
    await admin.getByRole('cell', { name: 'Katherine Johnson' }).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-sessions') });
  }, 60_000);

  it('opens from the dashboard of an administrator at a kiosk, and tells other users /admin is not theirs', async () => {
    const kiosk = await open('/kiosk');
    await scanWith(kiosk, katherine());
    await typePin(kiosk, ADMIN_PIN);
    await kiosk.getByRole('button', { name: 'Administration' }).click();
    await kiosk.getByRole('tab', { name: 'Users & badges' }).waitFor();
    await kiosk.getByRole('button', { name: 'Close' }).click();
    await kiosk.getByRole('heading', { name: 'Welcome, Katherine Johnson' }).waitFor();

    const admin = await open('/admin');
    await scanWith(admin, { uid: seed.user.uid });
    await admin.getByText(/your account is not an administrator’s/).waitFor();
    expect(await admin.locator('.console').count()).toBe(0);
  }, 60_000);

  it('speaks French', async () => {
    const admin = await open('/admin', 'fr-FR');
    await scanWith(admin, katherine());
    await admin.getByRole('heading', { name: 'Saisissez votre code PIN' }).waitFor();
    await typePin(admin, ADMIN_PIN);
    await admin.getByRole('tab', { name: 'Utilisateurs et badges' }).waitFor();
    await admin.getByRole('cell', { name: 'Grace Hopper' }).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-users-fr') });

    // What the administrator typed wrong is told in French too (the API's own messages are English).
    await admin.getByRole('button', { name: 'Grace Hopper' }).click();
    await admin.getByLabel('Définir un code PIN').fill('1111');
    await admin.getByRole('button', { name: 'Enregistrer le PIN' }).click();
    await admin.getByText('Ce code PIN est trop facile à deviner (chiffres répétés ou qui se suivent). Choisissez-en un autre.').waitFor();
    await admin.getByRole('button', { name: 'Ajouter par UID' }).click();
    await admin.getByLabel('UID', { exact: true }).fill('12:34');
    await admin.getByRole('button', { name: 'Ajouter le badge' }).click();
    await admin.getByText(/^Un UID de badge compte 4, 7, 8 ou 10 octets/).waitFor();
    expect(await t.server.deps.db.selectFrom('users').select('pin_hash').where('display_name', '=', 'Grace Hopper').executeTakeFirst()).toEqual({ pin_hash: null });
  }, 60_000);
});
