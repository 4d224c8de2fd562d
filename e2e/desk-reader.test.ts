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
});
