import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider } from './i18n/i18n.tsx';
import './styles/base.css';

/** Renders a page's app into #root with what every page shares. */
export function mount(app: ReactNode): void {
  const root = document.getElementById('root');
  if (root) createRoot(root).render(<StrictMode><I18nProvider>{app}</I18nProvider></StrictMode>);
}
