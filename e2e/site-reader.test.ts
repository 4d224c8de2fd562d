import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { appModeControl, saveAppMode } from '../src-main/app-mode.ts';
import { joinedKiosk } from '../src-main/joined-kiosk.ts';
import { kioskIpcOver } from '../src-main/kiosk-backend.ts';
import { kioskKeyStore } from '../src-main/kiosk-key-store.ts';
import { fakeSafeStorage } from '../src-main/testing/joined-app.ts';
import type { DeskReader } from '../src-server/reader/desk-reader.ts';
import { encodeSecretTlv } from '../src-server/reader/ndef.ts';
import { startReaderAgent, type ReaderAgent } from '../src-server/reader/reader-agent.ts';
import { pcscMissing, useVirtualReader } from '../src-server/testing/pcscd.ts';
import { readerState, tapBadge } from '../src-server/testing/taps.ts';
import { startTestServer, type Seed, type TestServer } from '../src-server/testing/test-server.ts';
import { VirtualCard } from '../src-server/testing/virtual-card.ts';
import { openAppWindow } from './support/app-window.ts';
import { chromiumMissing, screenshotPath, testScreen, useChromium } from './support/browser.ts';

// Desk readers at a site's kiosks, the server elsewhere: the kiosk screen in Chromium, the reader on the
// real PC/SC stack (pcscd, vsmartcard's Virtual PCD, nfc-pcsc) sending its taps to the server over HTTP.
// Only the badge is played (VirtualCard); the kiosk app's window is the harness of openAppWindow.
const browser = useChromium();
const agentLog = { info: () => undefined, warn: () => undefined };

async function site(): Promise<{ t: TestServer; seed: Seed }> {
  const t = await startTestServer({ idleLockSeconds: 600 });
  onTestFinished(() => t.close());
  return { t, seed: await t.seed() };
}

const screen = () => testScreen(browser());

/** Grace in, Katherine over her, Katherine out: each seen on the kiosk's screen. */
async function tapInOverOut(kiosk: Page, reader: DeskReader, seed: Seed, shot: string): Promise<void> {
  await kiosk.getByText('Badge reader ready').waitFor();
  expect(await tapBadge(reader, new VirtualCard({ uid: seed.user.uid }))).toBe('accepted');
  await kiosk.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
  await kiosk.screenshot({ path: screenshotPath(shot) });
  const katherine = () => new VirtualCard({ uid: seed.secretUser.uid, ndef: encodeSecretTlv(seed.secretUser.secret) });
  expect(await tapBadge(reader, katherine())).toBe('accepted');
  await kiosk.getByRole('heading', { name: 'Welcome, Katherine Johnson' }).waitFor();
  expect(await tapBadge(reader, katherine())).toBe('accepted');
  await kiosk.locator('.qr-image').waitFor();
  expect(await kiosk.locator('.dashboard').count()).toBe(0);
}

describe.skipIf(chromiumMissing || pcscMissing)("a site's kiosks with their desk readers", () => {
  useVirtualReader();

  it("signs people in, over and out on the kiosk app's screen at a tap on its reader (joined to the site)", async () => {
    const { t, seed } = await site();
    const dataDir = mkdtempSync(join(tmpdir(), 'tapin-app-window-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    // Set up and paired already: joined to the site (tapin-kiosk.json), its key in the key store.
    saveAppMode(dataDir, { mode: 'joined', server: t.url });
    kioskKeyStore({ dataDir, server: t.url, encryptor: fakeSafeStorage(), warn: () => undefined }).save(seed.kioskKey);
    let agent: ReaderAgent | undefined;
    const app = joinedKiosk({
      dataDir,
      server: t.url,
      encryptor: fakeSafeStorage(),
      warn: () => undefined,
      startReader: (kioskKey) => (agent = startReaderAgent({ server: t.url, kioskKey, retryDelay: () => 300, log: agentLog })),
    });
    onTestFinished(() => app.stop());
    if (!agent) throw new Error('the joined app started no reader with its stored key');
    await readerState(agent.reader, 'ready');

    const kioskUrl = `${t.url}/kiosk`;
    const main = kioskIpcOver(app.backend, (url) => url === kioskUrl, appModeControl(dataDir, {}, () => undefined));
    const kiosk = await screen();
    await openAppWindow(kiosk, kioskUrl, () => main);
    await kiosk.locator('.qr-image').waitFor();
    await tapInOverOut(kiosk, agent.reader, seed, 'app-joined-reader-signed-in');
    const sources = await t.server.deps.db.selectFrom('audit_log').select('source').where('event', '=', 'logout').execute();
    expect(sources).toEqual([{ source: 'reader-agent' }, { source: 'reader-agent' }]);
  });

  it('does the same for a browser kiosk with `tapin reader` beside it', async () => {
    const { t, seed } = await site();
    const agent = startReaderAgent({ server: t.url, kioskKey: seed.kioskKey, retryDelay: () => 300, log: agentLog });
    onTestFinished(() => agent.stop());
    await readerState(agent.reader, 'ready');
    const kiosk = await screen();
    await kiosk.goto(`${t.url}/kiosk#key=${seed.kioskKey}`);
    await kiosk.locator('.qr-image').waitFor();
    await tapInOverOut(kiosk, agent.reader, seed, 'kiosk-reader-agent-signed-in');
  });
});

