import { ipcKioskBridge } from '../bridge/ipc-kiosk-bridge.ts';
import { webKioskBridge } from '../bridge/web-kiosk-bridge.ts';
import { mount } from '../mount.tsx';
import '../styles/kiosk.css';
import '../styles/console.css';
import { KioskApp } from './KioskApp.tsx';

const KEY_STORAGE = 'tapin.kioskKey';

/** Takes the kiosk key from `#key=…` once, keeps it, and removes it from the address bar. */
function kioskKey(): string | undefined {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) {
    localStorage.setItem(KEY_STORAGE, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return localStorage.getItem(KEY_STORAGE) ?? undefined;
}

// Inside the Electron app the main process holds the kiosk key and answers over IPC.
const electron = window.tapin?.kiosk;
const key = electron ? undefined : kioskKey();
const bridge = electron ? ipcKioskBridge(electron) : key ? webKioskBridge({ baseUrl: location.origin, kioskKey: key }) : undefined;
// `/admin` is this same app: an administrator signs in as at any kiosk, then lands in the console.
mount(<KioskApp bridge={bridge} mode={location.pathname === '/admin' ? 'admin' : 'kiosk'} />);
