import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { webKioskBridge } from '../bridge/web-kiosk-bridge.ts';
import { I18nProvider } from '../i18n/i18n.tsx';
import '../styles/base.css';
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
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <KioskApp bridge={bridge} />
      </I18nProvider>
    </StrictMode>,
  );
}
