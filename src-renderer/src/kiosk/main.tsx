import { hasHeadStart } from '../bridge/head-start.ts';
import type { KioskBridge } from '../bridge/types.ts';
import { kioskMessages } from '../i18n/kiosk-messages.ts';
import { mount } from '../mount.tsx';
import { loadAdminConsole } from './admin-console.tsx';
import { FirstStartScreen } from './FirstStartScreen.tsx';
import { KioskApp } from './KioskApp.tsx';

// Once the app is loaded, how long it may wait for the first code to open on it rather than on an
// empty screen that the code fills a moment later (drawing the page twice).
const OPENING_WAIT_MS = 250;

/** The kiosk app, started by boot.ts with the bridge it chose. */
export async function startKioskApp(bridge: KioskBridge): Promise<void> {
  // The kiosk app on its first start asks how it runs before anything else: nothing runs until then.
  const { appMode } = bridge;
  if (appMode && (await appMode.current().catch(() => undefined))?.mode === 'unchosen') {
    return mount(<FirstStartScreen choose={(mode) => appMode.choose(mode)} />, kioskMessages);
  }
  // `/admin` is this same app: an administrator signs in as at any kiosk, then lands in the console,
  // which is fetched meanwhile.
  const mode = location.pathname === '/admin' ? 'admin' : 'kiosk';
  if (mode === 'admin') loadAdminConsole().catch(() => undefined);
  const opening = hasHeadStart(bridge) ? await bridge.firstAnswers(OPENING_WAIT_MS) : undefined;
  mount(<KioskApp bridge={bridge} mode={mode} opening={opening} />, kioskMessages);
}
