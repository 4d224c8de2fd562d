import { useEffect, useRef, type ReactNode } from 'react';
import type { SignedIn } from '../bridge/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useNow } from '../use-now.ts';
import { idlePhase } from './kiosk-machine.ts';

const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

interface DashboardProps {
  signedIn: SignedIn;
  idleLockSeconds: number;
  onLogout: () => void;
  /** For administrators on the kiosk: opens the admin console in place of the welcome. */
  onOpenConsole?: () => void;
  /** The admin page reached by someone who is not an administrator. */
  notForYou?: boolean;
  /** What to show instead of the welcome (the admin console); the idle lock still applies. */
  children?: ReactNode;
}

/** The signed-in user's screen. Locks itself after `idleLockSeconds` without input, warning 30 s before. */
export function Dashboard({ signedIn, idleLockSeconds, onLogout, onOpenConsole, notForYou = false, children }: DashboardProps) {
  const { t, language } = useI18n();
  const lastActivity = useRef(Date.now());
  const now = useNow(250);

  useEffect(() => {
    const touch = () => {
      lastActivity.current = Date.now();
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, touch, { passive: true });
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, touch);
    };
  }, []);

  const idle = idlePhase(lastActivity.current, now, idleLockSeconds * 1000);
  useEffect(() => {
    if (idle.phase === 'locked') onLogout();
  }, [idle.phase, onLogout]);

  const warning = (
    <div className="idle-warning" role="alert" aria-live="assertive">
      {idle.phase === 'warning' ? t('dashboard.idleWarning', { seconds: idle.secondsLeft }) : ''}
    </div>
  );

  if (children) {
    return (
      <div className="console-frame">
        {children}
        <footer className="console-footer">
          {warning}
          <span className="console-user">{signedIn.user.displayName}</span>
          <button type="button" className="secondary" onClick={onLogout}>
            {t('dashboard.logout')}
          </button>
        </footer>
      </div>
    );
  }

  const { user, previousLogin } = signedIn;
  const when = previousLogin ? new Date(previousLogin.at).toLocaleString(language === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '';
  const where = previousLogin?.kiosk ? [previousLogin.kiosk.name, previousLogin.kiosk.location].filter(Boolean).join(', ') : '';

  return (
    <main className="dashboard" aria-labelledby="welcome">
      <h1 id="welcome">{t('dashboard.welcome', { name: user.displayName })}</h1>
      <p className="role">{t(user.role === 'admin' ? 'dashboard.role.admin' : 'dashboard.role.user')}</p>
      {notForYou ? (
        <p className="not-for-you">{t('dashboard.notAdmin')}</p>
      ) : (
        <p className="last-login">
          {!previousLogin ? t('dashboard.firstLogin') : where ? t('dashboard.lastLogin', { when, where }) : t('dashboard.lastLoginNowhere', { when })}
        </p>
      )}
      <div className="dashboard-actions">
        {onOpenConsole && (
          <button type="button" className="secondary" onClick={onOpenConsole}>
            {t('dashboard.openConsole')}
          </button>
        )}
        <button type="button" className="primary" onClick={onLogout}>
          {t('dashboard.logout')}
        </button>
      </div>
      {warning}
    </main>
  );
}
