import { lazy } from 'react';
import type { AdminConsoleProps } from '../admin/AdminConsole.tsx';
import { useI18n } from '../i18n/i18n.tsx';

/** The admin console's code, strings and styles: downloaded only where an administrator opens it. */
export const loadAdminConsole = () => import('../admin/AdminConsole.tsx');

export const AdminConsole = lazy(() =>
  loadAdminConsole().then(
    (module) => ({ default: module.AdminConsole }),
    // Out of reach (the network is down): say so in its place rather than break the whole screen.
    () => ({ default: ConsoleUnavailable }),
  ),
);

function ConsoleUnavailable(_props: AdminConsoleProps) {
  const { t } = useI18n();
  return (
    <main className="console-unavailable" role="alert">
      <p>{t('dashboard.consoleUnavailable')}</p>
    </main>
  );
}
