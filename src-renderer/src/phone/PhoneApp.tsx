import { useEffect, useRef, useState } from 'react';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/messages.ts';
import { hasWebNfc, readBadge, type BadgeRead } from './nfc.ts';
import { demoBadges, inspect, PhoneError, validate, type Inspected, type PhoneFailure, type Validated } from './phone-api.ts';

export type Screen =
  | { name: 'checking' }
  | { name: 'noToken' }
  | { name: 'confirm'; inspected: Inspected }
  | { name: 'reading'; inspected: Inspected }
  | { name: 'noNfc'; inspected: Inspected; demo: { uid: string; displayName: string }[] }
  | { name: 'validating'; inspected: Inspected }
  | { name: 'success'; validated: Validated }
  | { name: 'cancelled' }
  | { name: 'failed'; failure: PhoneFailure | 'nfcDenied' };

const failureMessage: Record<PhoneFailure | 'nfcDenied', MessageKey> = {
  expired: 'phone.expired',
  rejected: 'phone.rejected',
  used: 'phone.used',
  rateLimited: 'phone.rateLimited',
  network: 'phone.network',
  notFound: 'phone.notFound',
  nfcDenied: 'phone.nfcDenied',
};

const asFailure = (error: unknown): PhoneFailure => (error instanceof PhoneError ? error.failure : 'network');

/** What to show once the code is inspected: the question, or why there is none. */
export function screenAfterInspect(inspecting: Promise<Inspected>): Promise<Screen> {
  return inspecting.then(
    (inspected): Screen =>
      inspected.status === 'pending' ? { name: 'confirm', inspected } : { name: 'failed', failure: inspected.status === 'expired' ? 'expired' : 'used' },
    (error: unknown): Screen => ({ name: 'failed', failure: asFailure(error) }),
  );
}

interface PhoneAppProps {
  token: string | undefined;
  /** The inspection of the token, when it was asked for before the app was loaded (boot.ts). */
  inspecting?: Promise<Inspected>;
  /** The screen it led to, when it came in before the app was drawn. */
  opening?: Screen;
}

/** The page a kiosk's QR code opens: confirm the kiosk, read the badge, unlock. */
export function PhoneApp({ token, inspecting, opening }: PhoneAppProps) {
  const { t } = useI18n();
  const [screen, setScreen] = useState<Screen>(() => opening ?? (token ? { name: 'checking' } : { name: 'noToken' }));
  const scan = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    if (!token || opening) return;
    void screenAfterInspect(inspecting ?? inspect(token)).then(setScreen);
  }, [token, inspecting, opening]);

  useEffect(() => () => scan.current?.abort(), []);

  async function send(inspected: Inspected, badge: BadgeRead) {
    if (!token) return;
    setScreen({ name: 'validating', inspected });
    try {
      setScreen({ name: 'success', validated: await validate(token, badge) });
    } catch (error) {
      setScreen({ name: 'failed', failure: asFailure(error) });
    }
  }

  async function unlock(inspected: Inspected) {
    if (!hasWebNfc()) {
      setScreen({ name: 'noNfc', inspected, demo: await demoBadges() });
      return;
    }
    const controller = new AbortController();
    scan.current = controller;
    setScreen({ name: 'reading', inspected });
    try {
      await send(inspected, await readBadge(controller.signal));
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return;
      setScreen({ name: 'failed', failure: error instanceof DOMException && error.name === 'NotAllowedError' ? 'nfcDenied' : 'network' });
    }
  }

  function cancel() {
    scan.current?.abort();
    setScreen({ name: 'cancelled' });
  }

  return (
    <div className="phone">
      <header className="phone-header">
        <span className="brand">{t('phone.title')}</span>
        <LanguageSwitch />
      </header>
      <main className="phone-main" aria-live="polite">
        {screen.name === 'checking' && <p className="phone-status">{t('phone.checking')}</p>}
        {screen.name === 'noToken' && <p className="phone-status">{t('phone.noToken')}</p>}
        {screen.name === 'confirm' && (
          <section className="confirm" aria-labelledby="confirm-title">
            <h1 id="confirm-title">
              {screen.inspected.kiosk.location
                ? t('phone.confirmAt', { kiosk: screen.inspected.kiosk.name, location: screen.inspected.kiosk.location })
                : t('phone.confirm', { kiosk: screen.inspected.kiosk.name })}
            </h1>
            <p className="hint">{t('phone.confirmHint')}</p>
            <div className="actions">
              {/* Cancel comes first and takes the focus: nothing is unlocked without a deliberate choice. */}
              <button type="button" className="secondary" autoFocus onClick={cancel}>
                {t('phone.cancel')}
              </button>
              <button type="button" className="primary" onClick={() => void unlock(screen.inspected)}>
                {t('phone.continue')}
              </button>
            </div>
          </section>
        )}
        {screen.name === 'reading' && (
          <section className="reading">
            <div className="nfc-pulse" aria-hidden="true" />
            <p className="phone-status">{t('phone.hold')}</p>
            <button type="button" className="secondary" onClick={cancel}>
              {t('phone.cancel')}
            </button>
          </section>
        )}
        {screen.name === 'noNfc' && (
          <section className="no-nfc">
            <p className="phone-status">{t('phone.noNfc')}</p>
            {screen.demo.length > 0 && (
              <div className="demo-badges">
                <h2>{t('phone.demoBadges')}</h2>
                {screen.demo.map((badge) => (
                  <button key={badge.uid} type="button" className="primary" onClick={() => void send(screen.inspected, { uid: badge.uid })}>
                    {badge.displayName} · {badge.uid}
                  </button>
                ))}
              </div>
            )}
            <button type="button" className="secondary" onClick={cancel}>
              {t('phone.cancel')}
            </button>
          </section>
        )}
        {screen.name === 'validating' && <p className="phone-status">{t('phone.validating')}</p>}
        {screen.name === 'success' && (
          <p className="phone-status success" role="status">
            {t('phone.success', { name: screen.validated.user.displayName, kiosk: screen.validated.kiosk.name })}
          </p>
        )}
        {screen.name === 'cancelled' && <p className="phone-status">{t('phone.cancelled')}</p>}
        {screen.name === 'failed' && (
          <p className="phone-status failure" role="alert">
            {t(failureMessage[screen.failure])}
          </p>
        )}
      </main>
    </div>
  );
}
