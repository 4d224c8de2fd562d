import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { appModeControl, resolveAppMode } from '../src-main/app-mode.ts';
import { joinedKiosk } from '../src-main/joined-kiosk.ts';
import { kioskIpcOver, unchosenBackend, type KioskIpc } from '../src-main/kiosk-backend.ts';
import type { KioskAppMode } from '../src-renderer/src/bridge/types.ts';
import { fakeSafeStorage } from '../src-main/testing/joined-app.ts';
import { openAppWindow } from './support/app-window.ts';
import { chromiumMissing, screenshotPath, testScreen, useChromium } from './support/browser.ts';
import { scanWith, siteWithAdmin } from './support/console.ts';
import { freePort } from '../src-server/testing/ports.ts';

// The kiosk app's window as a person meets it on a new machine: the built renderer and the app's own
// built preload in Chromium, main's IPC handlers in this process (see openAppWindow: only Electron's
// modules are stood in), a real site server. The phone's Web NFC is faked (phoneContext).
const browser = useChromium();

const appScreen = (locale = 'en-GB') => testScreen(browser(), { width: 1920, height: 1080, locale });


function dataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapin-app-window-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe.skipIf(chromiumMissing)("the kiosk app's window, first start", () => {
  it('asks how it runs, checks the server it is given, then pairs with that site and signs people in', async () => {
    const { t, seed } = await siteWithAdmin();
    onTestFinished(() => t.close());
    const dataDir = dataFolder();
    const page = await appScreen();
    const kioskUrl = `${t.url}/kiosk`;
    const isOurPage = (url: string) => url === kioskUrl;
    const restarts: KioskAppMode[] = [];
    const appMode = appModeControl(dataDir, {}, (mode) => restarts.push(mode));
    let main: KioskIpc = kioskIpcOver(unchosenBackend(), isOurPage, appMode);
    await openAppWindow(page, kioskUrl, () => main);

    await page.getByRole('heading', { name: 'Set up this kiosk' }).waitFor();
    await page.screenshot({ path: screenshotPath('app-first-start') });
    const address = page.getByLabel('Address of the TapIn server');
    const closedPort = await freePort();
    await address.fill(`127.0.0.1:${closedPort}`);
    await page.getByRole('button', { name: 'Join this server' }).click();
    // Typed without a scheme: taken as https, found unreachable, and said so with why.
    await page.getByRole('alert').getByText('No server answered at that address.', { exact: false }).waitFor();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain(`cannot reach https://127.0.0.1:${closedPort} (connect ECONNREFUSED`);
    await page.screenshot({ path: screenshotPath('app-first-start-unreachable') });
    expect(restarts).toEqual([]);

    await address.fill(t.url);
    await page.getByRole('button', { name: 'Join this server' }).click();
    await page.getByRole('heading', { name: 'Starting TapIn…' }).waitFor();
    expect(restarts).toEqual([{ mode: 'joined', server: t.url }]);
    expect(resolveAppMode(dataDir, {})).toEqual({ mode: 'joined', server: t.url, fixed: false });

    // The app's next start, joined (index.ts): the same window, now over the site's server.
    const kiosk = joinedKiosk({ dataDir, server: t.url, encryptor: fakeSafeStorage(), warn: () => undefined, pollMs: 200 });
    onTestFinished(() => kiosk.stop());
    main = kioskIpcOver(kiosk.backend, isOurPage, appMode);
    await page.reload();
    await page.getByRole('heading', { name: 'Pair this kiosk' }).waitFor();
    const code = ((await page.locator('.pairing-code').filter({ hasText: /^[A-Z0-9]{4}-[A-Z0-9]{4}$/ }).textContent()) ?? '').trim();
    await page.getByText(`with the TapIn server at ${new URL(t.url).origin}`).waitFor();
    await t.server.services.pairings.approve({ code, name: 'Reception', location: 'Ground floor' });
    await page.locator('.qr-image').waitFor({ timeout: 10_000 });
    await page.getByText('Reception · Ground floor').waitFor();

    await scanWith(browser(), page, { uid: seed.user.uid });
    await page.getByRole('heading', { name: 'Welcome, Grace Hopper' }).waitFor();
    await page.screenshot({ path: screenshotPath('app-joined-dashboard') });
  });

  it('asks in French, and answers "this computer only" at once', async () => {
    const { t } = await siteWithAdmin();
    onTestFinished(() => t.close());
    const dataDir = dataFolder();
    const page = await appScreen('fr-FR');
    const kioskUrl = `${t.url}/kiosk`;
    const restarts: KioskAppMode[] = [];
    const main = kioskIpcOver(unchosenBackend(), (url) => url === kioskUrl, appModeControl(dataDir, {}, (mode) => restarts.push(mode)));
    await openAppWindow(page, kioskUrl, () => main);
    await page.getByRole('heading', { name: 'Configurer cette borne' }).waitFor();
    await page.setViewportSize({ width: 1080, height: 1920 });
    await page.screenshot({ path: screenshotPath('app-first-start-fr-portrait') });
    await page.getByRole('button', { name: 'Utiliser cet ordinateur seulement' }).click();
    await page.getByRole('heading', { name: 'Démarrage de TapIn…' }).waitFor();
    expect(restarts).toEqual([{ mode: 'standalone' }]);
  });
});
