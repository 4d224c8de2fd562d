import { useEffect } from 'react';
import { ApiError, type KioskBridge, type PairingCode } from '../bridge/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useNow } from '../use-now.ts';
import { pairingPollDelay, type KioskAction, type KioskScreen } from './kiosk-machine.ts';

/** A code the server will never approve: ask for another. Anything else on a poll is worth retrying. */
const codeIsSpent = (error: unknown) => error instanceof ApiError && (error.code === 'PAIRING_EXPIRED' || error.code === 'PAIRING_NOT_FOUND');

/**
 * The pairing screen's behaviour: asks for a code when it has none, polls it about every 2 s (slower
 * when the server is busy or away), asks for a new one when it expires, and moves on once approved.
 */
export function usePairing(bridge: KioskBridge, screen: KioskScreen, dispatch: (action: KioskAction) => void): void {
  const needsCode = screen.name === 'pairing' && !screen.pairing;
  const pairing = screen.name === 'pairing' ? screen.pairing : undefined;

  useEffect(() => {
    if (!needsCode) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (failures: number) =>
      bridge.pairing.start().then(
        (pairing) => !cancelled && dispatch({ type: 'pairingStarted', pairing }),
        (error: unknown) => {
          if (cancelled) return;
          // Too many codes asked for from this address (a site imaging kiosks at once): wait as told.
          if (error instanceof ApiError && error.status === 429) timer = setTimeout(() => void attempt(failures + 1), pairingPollDelay(failures + 1, error.retryAfterSeconds));
          else dispatch({ type: 'unreachable' });
        },
      );
    void attempt(0);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [bridge, needsCode, dispatch]);

  useEffect(() => {
    if (!pairing) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = (failures: number, retryAfterSeconds?: number) => {
      timer = setTimeout(() => {
        bridge.pairing.check(pairing).then(
          (status) => {
            if (cancelled) return;
            if (status === 'paired') dispatch({ type: 'paired' });
            else poll(0);
          },
          (error: unknown) => {
            if (cancelled) return;
            if (codeIsSpent(error)) dispatch({ type: 'pairingExpired', pairingId: pairing.id });
            // The code stays up through a blip: it is still good on the server, and the administrator may be typing it.
            else poll(failures + 1, error instanceof ApiError ? error.retryAfterSeconds : undefined);
          },
        );
      }, pairingPollDelay(failures, retryAfterSeconds));
    };
    poll(0);
    // Renewed when it expires, without waiting for the server to say so.
    const expiry = setTimeout(() => dispatch({ type: 'pairingExpired', pairingId: pairing.id }), Math.max(0, Date.parse(pairing.expiresAt) - Date.now()));
    return () => {
      cancelled = true;
      clearTimeout(timer);
      clearTimeout(expiry);
    };
  }, [bridge, pairing, dispatch]);
}

/** `m:ss` */
const minutesAndSeconds = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/** Full screen, read from across the room: the code, the server it is for, and what the administrator does with it. */
export function PairingScreen({ pairing }: { pairing: PairingCode | undefined }) {
  const { t } = useI18n();
  const now = useNow(1_000);
  const seconds = pairing ? Math.max(0, Math.floor((Date.parse(pairing.expiresAt) - now) / 1000)) : 0;
  return (
    <main className="pairing-screen" aria-labelledby="pairing-title">
      <h1 id="pairing-title">{t('kiosk.pairing.title')}</h1>
      {pairing ? (
        <>
          <p className="pairing-code" aria-label={t('kiosk.pairing.codeLabel', { code: pairing.code.split('').join(' ') })}>
            {pairing.code}
          </p>
          <p className="pairing-server">{t('kiosk.pairing.server', { server: pairing.server })}</p>
          <p className="pairing-how">{t('kiosk.pairing.howTo')}</p>
          <p className="pairing-command">
            <code>{t('kiosk.pairing.command', { code: pairing.code })}</code>
          </p>
          <p className="countdown" role="timer">
            {t('kiosk.pairing.expiresIn', { time: minutesAndSeconds(seconds) })}
          </p>
        </>
      ) : (
        <p className="pairing-code pairing-waiting" aria-busy="true">
          {t('kiosk.pairing.requesting')}
        </p>
      )}
    </main>
  );
}
