import { withHeadStart } from '../bridge/head-start.ts';
import { ipcKioskBridge } from '../bridge/ipc-kiosk-bridge.ts';
import { webKioskBridge } from '../bridge/web-kiosk-bridge.ts';
import '../styles/kiosk.css';

// The kiosk page's first script, kept small: it asks for the first code, then loads the app (React and
// all), which the page already preloads. A static import of the app would make this wait for all of it.

const KEY_STORAGE = 'tapin.kioskKey';

// Inside the Electron app the main process holds the kiosk key and answers over IPC, as fast as it is asked.
const electron = window.tapin?.kiosk;
// A key in `#key=…` is taken once and kept; later loads find it stored.
const keyInHash = electron ? null : new URLSearchParams(location.hash.slice(1)).get('key');
const key = electron ? undefined : (keyInHash ?? localStorage.getItem(KEY_STORAGE) ?? undefined);
const bridge = electron ? ipcKioskBridge(electron) : key ? withHeadStart(webKioskBridge({ baseUrl: location.origin, kioskKey: key })) : undefined;
void import('./main.tsx').then(({ startKioskApp }) => startKioskApp(bridge));
// After the requests are sent: storage and history can each take milliseconds on a fresh page.
if (keyInHash) {
  localStorage.setItem(KEY_STORAGE, keyInHash);
  history.replaceState(null, '', location.pathname + location.search);
}
