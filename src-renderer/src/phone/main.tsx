import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider } from '../i18n/i18n.tsx';
import '../styles/base.css';
import '../styles/phone.css';
import { PhoneApp } from './PhoneApp.tsx';

// The token rides in the fragment (never sent to a server); read it once and drop it from the address bar.
const token = new URLSearchParams(location.hash.slice(1)).get('t') ?? undefined;
if (token) history.replaceState(null, '', location.pathname);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <PhoneApp token={token} />
      </I18nProvider>
    </StrictMode>,
  );
}
