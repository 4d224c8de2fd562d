import { webKioskBridge } from '../bridge/web-kiosk-bridge.ts';
import { mount } from '../mount.tsx';
import '../styles/kiosk.css';
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

const key = kioskKey();
const bridge = key ? webKioskBridge({ baseUrl: location.origin, kioskKey: key }) : undefined;
mount(<KioskApp bridge={bridge} />);
