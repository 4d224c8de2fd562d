import { withHeadStart } from '../bridge/head-start.ts';
import { ipcKioskBridge } from '../bridge/ipc-kiosk-bridge.ts';
import { webKioskBridge, type KioskKeyStore } from '../bridge/web-kiosk-bridge.ts';
import '../styles/kiosk.css';

// The kiosk page's first script, kept small: it asks for the first code, then loads the app (React and
// all), which the page already preloads. A static import of the app would make this wait for all of it.

const KEY_STORAGE = 'tapin.kioskKey';

// Where a pairing's key is kept, and a refused (revoked) key forgotten: the same place as a `#key=`.
const keyStore: KioskKeyStore = {
  save: (key) => localStorage.setItem(KEY_STORAGE, key),
  forget: () => localStorage.removeItem(KEY_STORAGE),
};

// Inside the Electron app the main process holds the kiosk key and answers over IPC, as fast as it is asked.
const electron = window.tapin?.kiosk;
// A key in `#key=…` is taken once and kept; later loads find it stored.
const keyInHash = electron ? null : new URLSearchParams(location.hash.slice(1)).get('key');
const key = electron ? undefined : (keyInHash ?? localStorage.getItem(KEY_STORAGE) ?? undefined);
const web = () => webKioskBridge({ baseUrl: location.origin, kioskKey: key, keyStore, appVersion: __TAPIN_VERSION__ });
// Without a key there is nothing to ask ahead: the app opens on its pairing screen.
const bridge = electron ? ipcKioskBridge(electron) : key ? withHeadStart(web()) : web();
void import('./main.tsx').then(({ startKioskApp }) => startKioskApp(bridge));
// After the requests are sent: storage and history can each take milliseconds on a fresh page.
if (keyInHash) {
  localStorage.setItem(KEY_STORAGE, keyInHash);
  history.replaceState(null, '', location.pathname + location.search);
}
