import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider } from './i18n/i18n.tsx';
import type { Messages } from './i18n/messages.ts';

/** Renders a page's app into #root with what every page shares, and that page's own strings. */
export function mount(app: ReactNode, messages: Messages): void {
  const root = document.getElementById('root');
  if (root) createRoot(root).render(<StrictMode><I18nProvider messages={messages}>{app}</I18nProvider></StrictMode>);
}
