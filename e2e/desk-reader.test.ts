import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSecretTlv } from '../src-server/reader/ndef.ts';
import { Pcscd, pcscMissing } from '../src-server/testing/pcscd.ts';
import { startTestServer, type Seed, type TestServer } from '../src-server/testing/test-server.ts';
import { VirtualCard } from '../src-server/testing/virtual-card.ts';
import { readerState, tapBadge } from '../src-server/testing/taps.ts';
import type { DeskReader } from '../src-server/reader/desk-reader.ts';
import { chromiumMissing, kioskContext, screenshotPath, useChromium } from './support/browser.ts';

// The kiosk page in Chromium with the real PC/SC stack behind the server: pcscd, vsmartcard's
// virtual reader, nfc-pcsc. Only the badge is played (VirtualCard).
const browser = useChromium();
const pcscd = new Pcscd();
let t: TestServer;
let seed: Seed;
let kiosk: Page;
let reader: DeskReader;

const tap = (card: VirtualCard) => tapBadge(reader, card);

describe.skipIf(chromiumMissing || pcscMissing)('the desk reader at the kiosk page', () => {
  beforeAll(async () => {
    await pcscd.acquire();
    t = await startTestServer();
    seed = await t.seed();
    reader = t.server.attachDeskReader(seed.kioskId, { retryDelay: () => 300 });
    await readerState(reader, 'ready');
    kiosk = await (await kioskContext(browser())).newPage();
    await kiosk.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
    await kiosk.locator('.qr-image').waitFor();
  }, 200_000);
  afterAll(async () => {
    await t?.close();
    await pcscd.release();
  });

  it('shows the reader ready, signs in on a tap, out on the same tap, and over on another badge', async () => {
    await kiosk.getByText('Badge reader ready').waitFor();

    await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }));
    await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    await kiosk.screenshot({ path: screenshotPath('kiosk-reader-signed-in') });

    // Tap-over: Katherine's badge carries its secret on the tag.
    await tap(new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) }));
    await kiosk.getByRole('heading', { name: 'Welcome, Katherine Johnson' }).waitFor();

    // Tap-out: the same badge again.
    await tap(new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) }));
    await kiosk.locator('.qr-image').waitFor();
    expect(await kiosk.locator('.dashboard').count()).toBe(0);
    const logouts = await t.server.deps.db.selectFrom('audit_log').select(['user_id', 'source']).where('event', '=', 'logout').orderBy('id').execute();
    expect(logouts).toEqual([
      { user_id: seed.user.id, source: 'desk-reader' },
      { user_id: seed.secretUser.id, source: 'desk-reader' },
    ]);
  }, 90_000);

  it('keeps the code on screen when an unknown badge is tapped', async () => {
    await tap(new VirtualCard({ uid: '04FFFFFFFFFFFF' }));
    await kiosk.getByText(/Badge not accepted/).waitFor();
    await kiosk.screenshot({ path: screenshotPath('kiosk-reader-rejected') });
  }, 60_000);

  it('enrolls a badge from the admin console at /admin: the next tap, its UID shown, a secret written; that badge then signs in', async () => {
    await t.server.services.users.setPin(seed.secretUser.id, '4826', { userId: null, source: 'cli' });
    const admin = await (await kioskContext(browser())).newPage();
    await admin.goto(`${t.url}/admin#key=${seed.kioskKey}`);
    await admin.locator('.qr-image').waitFor();
    // The administrator signs in at the reader itself, with the PIN on the screen.
    await tap(new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) }));
    await admin.getByRole('heading', { name: 'Enter your PIN' }).waitFor();
    for (const digit of '4826') await admin.locator('.pin-keys').getByRole('button', { name: digit, exact: true }).click();
    await admin.getByRole('button', { name: 'OK', exact: true }).click();
    await admin.getByRole('heading', { name: 'Administration' }).waitFor();

    await admin.getByRole('button', { name: 'Enroll a badge' }).click();
    await admin.getByRole('radio', { name: 'A new user' }).check();
    await admin.getByLabel('Name', { exact: true }).last().fill('Mary Jackson');
    await admin.getByRole('button', { name: 'Wait for the badge' }).click();
    await admin.getByText('Tap the badge on the desk reader now, and hold it there…').waitFor();
    await expect.poll(() => reader.capturing).toBe(true);
    await admin.screenshot({ path: screenshotPath('admin-enroll-waiting') });

    const card = new VirtualCard({ uid: '04AB0000000042' });
    expect(await tap(card)).toBe('accepted');
    await admin.getByText('Badge 04AB0000000042 is now Mary Jackson’s, with a secret written onto it.').waitFor();
    await admin.getByRole('cell', { name: 'Mary Jackson' }).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-enroll-done') });

    // Cancelled before any badge: the next tap is a sign-in again.
    await admin.getByRole('button', { name: 'Wait for the badge' }).click();
    await expect.poll(() => reader.capturing).toBe(true);
    await admin.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => reader.capturing).toBe(false);

    // The new badge (its secret read from the tag) signs Mary in on the screen the reader serves — the
    // newest code of this kiosk, the admin page's — and taps her out again.
    await admin.getByRole('button', { name: 'Log out' }).click();
    await admin.locator('.qr-image').waitFor();
    await tap(card);
    await admin.getByRole('heading', { name: 'Welcome, Mary Jackson' }).waitFor();
    await admin.getByText(/your account is not an administrator’s/).waitFor();
    await tap(card);
    await admin.locator('.qr-image').waitFor();
    await admin.close();
  }, 120_000);
});
