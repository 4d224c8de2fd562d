import { Suspense, useCallback, useEffect, useReducer, useState } from 'react';
import { reconnectDelay } from '../bridge/backoff.ts';
import type { FirstAnswers } from '../bridge/head-start.ts';
import { ApiError, type KioskBridge, type LoginSession, type ReaderState } from '../bridge/types.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';
import { useNow } from '../use-now.ts';
import { PinPad } from '../pin/PinPad.tsx';
import { AdminConsole } from './admin-console.tsx';
import { Dashboard } from './Dashboard.tsx';
import { followedSession, initialKioskState, kioskReducer, renewalDelay, type KioskAction, type KioskState } from './kiosk-machine.ts';
import { PairingScreen, usePairing } from './PairingScreen.tsx';
import { QrCode } from './QrCode.tsx';
import { UnreachableScreen } from './UnreachableScreen.tsx';

const isUnregistered = (error: unknown) => error instanceof ApiError && error.code === 'KIOSK_UNAUTHORIZED';

/**
 * Creates a login session. The code on screen: a failure is the unreachable screen's to retry. The
 * session behind a dashboard: retried here with backoff, the dashboard staying up meanwhile.
 */
function useSessionFactory(bridge: KioskBridge, dispatch: (action: KioskAction) => void) {
  return useCallback(
    (isCancelled: () => boolean, purpose: 'sessionReady' | 'standbyReady' = 'sessionReady') => {
      const attempt = (n: number) => {
        bridge.createSession().then(
          (session) => {
            if (isCancelled()) return;
            dispatch({ type: 'connection', online: true });
            dispatch({ type: purpose, session });
          },
          (error: unknown) => {
            if (isCancelled()) return;
            if (isUnregistered(error)) return dispatch({ type: 'notPaired' });
            dispatch({ type: 'unreachable' });
            if (purpose === 'standbyReady') setTimeout(() => !isCancelled() && attempt(n + 1), reconnectDelay(n));
          },
        );
      };
      attempt(0);
    },
    [bridge, dispatch],
  );
}

/** The first screen: the code itself when its answers came before the app (`opening`, see boot.ts). */
function openingState(opening: FirstAnswers | undefined): KioskState {
  if (!opening) return initialKioskState;
  return kioskReducer(kioskReducer(initialKioskState, { type: 'registered', info: opening.info }), { type: 'sessionReady', session: opening.session });
}

interface KioskAppProps {
  bridge: KioskBridge;
  mode?: 'kiosk' | 'admin';
  /** The kiosk's details and first code, when they were asked for before the app was loaded. */
  opening?: FirstAnswers;
}

/**
 * The kiosk screen; `mode="admin"` is the same app as the browser's admin console (`/admin`): after
 * sign-in an administrator lands straight in the console, anyone else is told it is not for them.
 */
export function KioskApp({ bridge, mode = 'kiosk', opening }: KioskAppProps) {
  const { t } = useI18n();
  const adminOnly = mode === 'admin';
  const [state, dispatch] = useReducer(kioskReducer, undefined, () => openingState(opening));
  const { screen, info } = state;
  const newSession = useSessionFactory(bridge, dispatch);

  const checkFirstRun = useCallback(
    async (isCancelled: () => boolean) => {
      if (bridge.firstRun && (await bridge.firstRun.needed().catch(() => false)) && !isCancelled()) dispatch({ type: 'firstRunNeeded' });
    },
    [bridge],
  );
  /**
   * Who this kiosk is, and its first code: the login screen, the pairing screen, or the unreachable one.
   * `retrying`: a kiosk with no key then asks for its pairing code here, so that a failure stays one
   * more unreachable attempt (keeping the backoff) rather than a fresh start.
   */
  const load = useCallback(
    (isCancelled: () => boolean, retrying = false) =>
      // The first code is asked for alongside the kiosk's details, not after them: one round trip less to a QR.
      Promise.all([bridge.kioskInfo(), bridge.createSession().catch(() => undefined)]).then(
        async ([kiosk, session]) => {
          if (isCancelled()) return;
          dispatch({ type: 'registered', info: kiosk });
          if (session) dispatch({ type: 'sessionReady', session });
          await checkFirstRun(isCancelled);
        },
        (error: unknown) => {
          if (isCancelled()) return;
          if (!isUnregistered(error) || !retrying) return dispatch({ type: isUnregistered(error) ? 'notPaired' : 'unreachable' });
          return bridge.pairing.start().then(
            (pairing) => {
              if (isCancelled()) return;
              dispatch({ type: 'notPaired' });
              dispatch({ type: 'pairingStarted', pairing });
            },
            () => !isCancelled() && dispatch({ type: 'unreachable' }),
          );
        },
      ),
    [bridge, checkFirstRun],
  );

  // Opened on its first code already: only the first-run question is left to ask.
  useEffect(() => {
    if (opening) void checkFirstRun(() => false);
  }, [opening, checkFirstRun]);

  // At start, and once paired (no reload: the bridge holds the new key).
  useEffect(() => {
    if (screen.name !== 'loading') return;
    let cancelled = false;
    void load(() => cancelled);
    return () => {
      cancelled = true;
    };
  }, [screen.name, load]);

  // The server is away: try again with backoff and jitter, saying on screen when.
  const unreachableAttempt = screen.name === 'unreachable' ? screen.attempt : undefined;
  useEffect(() => {
    if (unreachableAttempt === undefined) return;
    let cancelled = false;
    const delay = reconnectDelay(unreachableAttempt);
    dispatch({ type: 'retryScheduled', retryAt: Date.now() + delay });
    const timer = setTimeout(() => void load(() => cancelled, true), delay);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [unreachableAttempt, load]);

  usePairing(bridge, screen, dispatch);

  useEffect(() => {
    if (screen.name !== 'starting') return;
    let cancelled = false;
    newSession(() => cancelled);
    return () => {
      cancelled = true;
    };
  }, [screen.name, newSession]);

  const session: LoginSession | undefined = followedSession(screen);

  // Behind a dashboard, keep a login session waiting: a badge tapped on the desk reader signs in through it.
  const needsStandby = screen.name === 'dashboard' && !screen.standby;
  useEffect(() => {
    if (!needsStandby) return;
    let cancelled = false;
    newSession(() => cancelled, 'standbyReady');
    return () => {
      cancelled = true;
    };
  }, [needsStandby, newSession]);

  // Sign-outs made at the desk reader, and the reader's own state.
  // Followed while the kiosk has a key (from its first details, again once paired).
  const kioskId = info?.kiosk.id;
  useEffect(() => {
    if (kioskId === undefined) return;
    return bridge.watchKiosk((event) => {
      if (event.type === 'reader') dispatch({ type: 'reader', state: event.state });
      if (event.type === 'signedOut') dispatch({ type: 'signedOutElsewhere', userId: event.userId });
      if (event.type === 'keyRefused') dispatch({ type: 'notPaired' });
    });
  }, [bridge, kioskId]);

  // Follow the code on screen, the sign-in that follows it, or the session waiting behind the dashboard.
  useEffect(() => {
    if (!session) return;
    return bridge.watchSession(session, (event) => {
      if (event.type === 'connection') dispatch(event.online ? { type: 'connection', online: true } : { type: 'unreachable' });
      if (event.type === 'status') dispatch({ type: 'sessionStatus', sessionId: session.id, update: event.update });
      if (event.type === 'rejected') dispatch({ type: 'badgeRejected', sessionId: session.id, remainingAttempts: event.remainingAttempts });
    });
    // Keyed by the session's id: the same session is followed from its code through the sign-in.
  }, [bridge, session?.id]);

  // Renew the code shortly before it expires; the old one stays up until the new one is ready.
  useEffect(() => {
    if (screen.name !== 'qr') return;
    let cancelled = false;
    const timer = setTimeout(() => newSession(() => cancelled), renewalDelay(screen.session, Date.now()));
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [screen.name === 'qr' ? screen.session.id : undefined, newSession]);

  // Authenticated: trade the session for the user's access token, once (or ask for the PIN first).
  useEffect(() => {
    if (screen.name !== 'signingIn') return;
    const { session } = screen;
    bridge.exchange(session).then(
      (signedIn) => dispatch({ type: 'signedIn', signedIn }),
      (error: unknown) => dispatch(error instanceof ApiError && error.code === 'PIN_REQUIRED' ? { type: 'pinNeeded', sessionId: session.id } : { type: 'failed' }),
    );
  }, [bridge, screen.name]);

  const [checkingPin, setCheckingPin] = useState(false);
  const submitPin = useCallback(
    (pin: string) => {
      if (screen.name !== 'pin') return;
      setCheckingPin(true);
      bridge
        .exchange(screen.session, pin)
        .then(
          (signedIn) => dispatch({ type: 'signedIn', signedIn }),
          (error: unknown) => {
            const code = error instanceof ApiError ? error.code : '';
            if (code === 'PIN_REJECTED') return dispatch({ type: 'pinRejected' });
            if (code === 'PIN_LOCKED') {
              dispatch({ type: 'pinLocked' });
              return setTimeout(() => dispatch({ type: 'failed' }), 6_000);
            }
            dispatch({ type: 'failed' });
          },
        )
        .finally(() => setCheckingPin(false));
    },
    [bridge, screen],
  );

  // First run: wait for the administrator's badge on the reader (claim resolves once it is enrolled).
  useEffect(() => {
    if (!bridge.firstRun || screen.name !== 'firstRun') return;
    let cancelled = false;
    const claim = () =>
      bridge.firstRun?.claim().then(
        () => !cancelled && dispatch({ type: 'firstRunDone' }),
        () => !cancelled && setTimeout(claim, 1_000),
      );
    void claim();
    return () => {
      cancelled = true;
    };
  }, [bridge, screen.name]);

  const signedIn = screen.name === 'dashboard' ? screen.signedIn : undefined;
  const logout = useCallback(() => {
    if (signedIn) void bridge.logout(signedIn.accessToken).catch(() => undefined);
    dispatch({ type: 'signedOut' });
  }, [bridge, signedIn]);

  return (
    <div className="kiosk">
      <header className="kiosk-header">
        <span className="brand">TapIn</span>
        <span className="kiosk-name">{info && [info.kiosk.name, info.kiosk.location].filter(Boolean).join(' · ')}</span>
        {/* Only behind a screen that stays up through an outage (a signed-in person's): otherwise the whole screen says it. */}
        {!state.online && screen.name !== 'unreachable' && <OfflineBanner />}
        {state.reader && <ReaderStatus state={state.reader} />}
        <LanguageSwitch />
      </header>
      {screen.name === 'pairing' && <PairingScreen pairing={screen.pairing} />}
      {screen.name === 'unreachable' && <UnreachableScreen retryAt={screen.retryAt} />}
      {screen.name === 'firstRun' && <FirstRun />}
      {(screen.name === 'qr' || screen.name === 'signingIn' || screen.name === 'starting') && info && (
        <QrScreen
          session={screen.name === 'starting' ? undefined : screen.session}
          kioskName={info.kiosk.name}
          signingIn={screen.name === 'signingIn'}
          remainingAttempts={screen.name === 'qr' ? screen.remainingAttempts : undefined}
        />
      )}
      {(screen.name === 'loading' || (screen.name === 'starting' && !info)) && <main className="qr-screen" aria-busy="true" />}
      {screen.name === 'pin' && (
        <main className="pin-screen">
          <PinPad
            title={t('pin.title')}
            hint={t('pin.hint')}
            busy={checkingPin || screen.problem === 'locked'}
            problem={screen.problem === 'locked' ? t('pin.locked') : screen.problem === 'wrong' ? t('pin.wrong', { tries: screen.triesLeft }) : undefined}
            onSubmit={submitPin}
            onCancel={() => dispatch({ type: 'failed' })}
          />
        </main>
      )}
      {signedIn && info && screen.name === 'dashboard' && (
        <Dashboard
          signedIn={signedIn}
          idleLockSeconds={info.settings.idleLockSeconds}
          onLogout={logout}
          notForYou={adminOnly && signedIn.user.role !== 'admin'}
          onOpenConsole={signedIn.user.role === 'admin' && !adminOnly ? () => dispatch({ type: 'console', open: true }) : undefined}
        >
          {signedIn.user.role === 'admin' && (screen.console || adminOnly) ? (
            <Suspense fallback={<main className="console-loading" aria-busy="true" />}>
              <AdminConsole transport={bridge.user} signedIn={signedIn} onClose={adminOnly ? undefined : () => dispatch({ type: 'console', open: false })} />
            </Suspense>
          ) : undefined}
        </Dashboard>
      )}
    </div>
  );
}

/** The sign-in screen; without a live session (between two codes) the box says a new code is coming. */
function QrScreen({ session, kioskName, signingIn, remainingAttempts }: { session: LoginSession | undefined; kioskName: string; signingIn: boolean; remainingAttempts?: number }) {
  const { t } = useI18n();
  const now = useNow(1_000);
  const seconds = session ? Math.max(0, Math.ceil((Date.parse(session.expiresAt) - now) / 1000)) : 0;
  // A dead code is never left up to be scanned: while no new one can be had, the box says so instead.
  const stale = !session || seconds === 0;
  return (
    <main className="qr-screen" aria-labelledby="sign-in-title">
      <div className="qr-column">
        {stale || !session ? (
          <div className="qr-box qr-waiting">{t('kiosk.renewing')}</div>
        ) : (
          <QrCode payload={session.qrPayload} label={t('kiosk.qrAlt', { kiosk: kioskName })} />
        )}
        <p className="countdown">{stale ? '\u00a0' : t('kiosk.expiresIn', { seconds })}</p>
      </div>
      <div className="qr-text">
        <h1 id="sign-in-title">{t('kiosk.title')}</h1>
        <p className="instructions">{t('kiosk.instructions')}</p>
        <p className="status" role="status" aria-live="polite">
          {signingIn ? t('kiosk.signingIn') : remainingAttempts !== undefined ? t('kiosk.rejected', { remaining: remainingAttempts }) : ''}
        </p>
      </div>
    </main>
  );
}

function ReaderStatus({ state }: { state: ReaderState }) {
  const { t } = useI18n();
  const ok = state === 'ready' || state === 'card-present';
  return (
    <span className={`reader-status ${ok ? 'ok' : 'down'}`} role="status" aria-live="polite">
      {t(`reader.${state}`)}
    </span>
  );
}

function OfflineBanner() {
  const { t } = useI18n();
  return (
    <div className="offline-banner" role="status" aria-live="polite">
      {t('kiosk.offline')}
    </div>
  );
}

function FirstRun() {
  const { t } = useI18n();
  return (
    <main className="unregistered" aria-live="polite">
      <h1>{t('firstRun.title')}</h1>
      <p>{t('firstRun.body')}</p>
    </main>
  );
}
