import { reconnectDelay } from '../bridge/backoff.ts';
import type { KioskInfo, LoginSession, PairingCode, ReaderState, SessionUpdate, SignedIn } from '../bridge/types.ts';

/** What the kiosk shows. One screen at a time; transitions only through `kioskReducer`. */
export type KioskScreen =
  | { name: 'loading' }
  /** No key (or the server refused it): a code for an administrator to approve; none yet while one is asked for. */
  | { name: 'pairing'; pairing?: PairingCode }
  /** The server cannot be reached: the whole screen says so; `attempt` counts the retries, the next at `retryAt`. */
  | { name: 'unreachable'; attempt: number; retryAt?: number }
  | { name: 'starting' }
  /** Electron only, first run: no administrator yet; the next badge on the reader becomes theirs. */
  | { name: 'firstRun' }
  | { name: 'qr'; session: LoginSession; remainingAttempts?: number }
  | { name: 'signingIn'; session: LoginSession }
  /** The badge was accepted and its holder has a PIN: typed here, never on the phone. */
  | { name: 'pin'; session: LoginSession; triesLeft: number; problem?: 'wrong' | 'locked' }
  /**
   * `standby` is a login session kept waiting behind the dashboard: the desk reader's tap-over signs in
   * through it. `console` shows an administrator the admin console in place of the dashboard.
   */
  | { name: 'dashboard'; signedIn: SignedIn; standby?: LoginSession; console?: boolean };

export interface KioskState {
  screen: KioskScreen;
  info?: KioskInfo;
  /** False while the server cannot be reached behind a screen that stays up (a signed-in person's). */
  online: boolean;
  /** The desk reader attached to this kiosk, if any. */
  reader: ReaderState | null;
}

export type KioskAction =
  | { type: 'registered'; info: KioskInfo }
  /** The kiosk has no key, or the server refused it (revoked): it pairs again. */
  | { type: 'notPaired' }
  | { type: 'pairingStarted'; pairing: PairingCode }
  | { type: 'pairingExpired'; pairingId: string }
  | { type: 'paired' }
  | { type: 'unreachable' }
  | { type: 'retryScheduled'; retryAt: number }
  | { type: 'sessionReady'; session: LoginSession }
  | { type: 'standbyReady'; session: LoginSession }
  | { type: 'signedOutElsewhere'; userId: number }
  | { type: 'reader'; state: ReaderState | null }
  | { type: 'firstRunNeeded' }
  | { type: 'firstRunDone' }
  | { type: 'sessionStatus'; sessionId: string; update: SessionUpdate }
  | { type: 'badgeRejected'; sessionId: string; remainingAttempts: number }
  | { type: 'signedIn'; signedIn: SignedIn }
  | { type: 'pinNeeded'; sessionId: string }
  | { type: 'pinRejected' }
  | { type: 'pinLocked' }
  | { type: 'console'; open: boolean }
  | { type: 'failed' }
  | { type: 'signedOut' }
  | { type: 'connection'; online: boolean };

export const initialKioskState: KioskState = { screen: { name: 'loading' }, online: true, reader: null };

const KEEPS_SCREEN_OFFLINE = new Set<KioskScreen['name']>(['dashboard', 'signingIn', 'pin', 'firstRun']);

/** PIN tries one login session allows (API.md: the session expires after 5 wrong PINs). */
export const PIN_TRIES = 5;

const pinScreen = (session: LoginSession): KioskScreen => ({ name: 'pin', session, triesLeft: PIN_TRIES });

/** The login session the kiosk is following on this screen, if any. */
export function followedSession(screen: KioskScreen): LoginSession | undefined {
  if (screen.name === 'qr' || screen.name === 'signingIn' || screen.name === 'pin') return screen.session;
  if (screen.name === 'dashboard') return screen.standby;
  return undefined;
}

/** Leaving the dashboard: straight to the waiting session's code when there is one. */
const afterSignOut = (screen: KioskScreen): KioskScreen =>
  screen.name === 'dashboard' && screen.standby ? { name: 'qr', session: screen.standby } : { name: 'starting' };

export function kioskReducer(state: KioskState, action: KioskAction): KioskState {
  switch (action.type) {
    case 'registered':
      return { ...state, info: action.info, online: true, screen: { name: 'starting' } };
    case 'notPaired':
      return { ...state, info: undefined, online: true, reader: null, screen: { name: 'pairing' } };
    case 'pairingStarted':
      return state.screen.name === 'pairing' ? { ...state, online: true, screen: { name: 'pairing', pairing: action.pairing } } : state;
    case 'pairingExpired':
      // The code on screen ran out: the screen asks for a new one.
      return state.screen.name === 'pairing' && state.screen.pairing?.id === action.pairingId ? { ...state, screen: { name: 'pairing' } } : state;
    case 'paired':
      return state.screen.name === 'pairing' ? { ...state, screen: { name: 'loading' } } : state;
    case 'unreachable':
      // Someone signing in or signed in keeps their screen through a blip; anything else gives way to the outage.
      if (KEEPS_SCREEN_OFFLINE.has(state.screen.name)) return { ...state, online: false };
      return { ...state, online: false, screen: { name: 'unreachable', attempt: state.screen.name === 'unreachable' ? state.screen.attempt + 1 : 0 } };
    case 'retryScheduled':
      return state.screen.name === 'unreachable' ? { ...state, screen: { ...state.screen, retryAt: action.retryAt } } : state;
    case 'sessionReady':
      // A renewal replaces the code on screen only while the code is what is on screen (never the first-run screen).
      if (state.screen.name !== 'starting' && state.screen.name !== 'qr') return state;
      return { ...state, screen: { name: 'qr', session: action.session } };
    case 'standbyReady':
      return state.screen.name === 'dashboard' ? { ...state, screen: { ...state.screen, standby: action.session } } : state;
    case 'sessionStatus': {
      if (followedSession(state.screen)?.id !== action.sessionId) return state;
      const { status, pinRequired } = action.update;
      if (state.screen.name === 'dashboard') {
        // The waiting session behind the dashboard: a badge on the reader signs in someone else (tap-over).
        const standby = state.screen.standby as LoginSession;
        if (status === 'authenticated') return { ...state, screen: pinRequired ? pinScreen(standby) : { name: 'signingIn', session: standby } };
        if (status === 'expired' || status === 'consumed') return { ...state, screen: { name: 'dashboard', signedIn: state.screen.signedIn } };
        return state;
      }
      if (status === 'authenticated' && state.screen.name === 'qr') {
        return { ...state, screen: pinRequired ? pinScreen(state.screen.session) : { name: 'signingIn', session: state.screen.session } };
      }
      if (status === 'expired' || status === 'consumed') {
        // Consumed here means another screen exchanged it (or this one, just now); either way this code is spent.
        return (state.screen.name === 'signingIn' || state.screen.name === 'pin') && status === 'consumed' ? state : { ...state, screen: { name: 'starting' } };
      }
      return state;
    }
    case 'badgeRejected':
      if (state.screen.name !== 'qr' || state.screen.session.id !== action.sessionId) return state;
      return { ...state, screen: { ...state.screen, remainingAttempts: action.remainingAttempts } };
    case 'signedIn':
      return state.screen.name === 'signingIn' || state.screen.name === 'pin' ? { ...state, screen: { name: 'dashboard', signedIn: action.signedIn } } : state;
    case 'pinNeeded':
      return state.screen.name === 'signingIn' && state.screen.session.id === action.sessionId ? { ...state, screen: pinScreen(state.screen.session) } : state;
    case 'pinRejected': {
      if (state.screen.name !== 'pin') return state;
      const triesLeft = state.screen.triesLeft - 1;
      return { ...state, screen: triesLeft > 0 ? { ...state.screen, triesLeft, problem: 'wrong' } : { name: 'starting' } };
    }
    case 'pinLocked':
      return state.screen.name === 'pin' ? { ...state, screen: { ...state.screen, triesLeft: 0, problem: 'locked' } } : state;
    case 'console':
      return state.screen.name === 'dashboard' && state.screen.signedIn.user.role === 'admin' ? { ...state, screen: { ...state.screen, console: action.open } } : state;
    case 'failed':
      return { ...state, screen: { name: 'starting' } };
    case 'signedOut':
      return { ...state, screen: afterSignOut(state.screen) };
    case 'signedOutElsewhere':
      // Only the user on screen; a tap-over ends the previous user after the new one is on screen.
      if (state.screen.name !== 'dashboard' || state.screen.signedIn.user.id !== action.userId) return state;
      return { ...state, screen: afterSignOut(state.screen) };
    case 'firstRunNeeded':
      return state.screen.name === 'dashboard' || state.screen.name === 'signingIn' ? state : { ...state, screen: { name: 'firstRun' } };
    case 'firstRunDone':
      return state.screen.name === 'firstRun' ? { ...state, screen: { name: 'starting' } } : state;
    case 'reader':
      return state.reader === action.state ? state : { ...state, reader: action.state };
    case 'connection':
      return state.online === action.online ? state : { ...state, online: action.online };
  }
}

/**
 * When to fetch the next code: a little before this one expires (a fifth of its life, at most 30 s),
 * so the new code is on screen before anyone can scan a dead one.
 */
export function renewalDelay(session: Pick<LoginSession, 'createdAt' | 'expiresAt'>, now: number): number {
  const created = Date.parse(session.createdAt);
  const expires = Date.parse(session.expiresAt);
  const lead = Math.min(30_000, (expires - created) / 5);
  return Math.max(0, expires - lead - now);
}

/** How often a pairing code on screen asks whether it was approved. */
export const PAIRING_POLL_MS = 2_000;

/**
 * When to ask next about a pairing code: every 2 s; after failures in a row, the reconnect backoff
 * (never faster than 2 s); never before the server's Retry-After.
 */
export function pairingPollDelay(failures: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const delay = failures === 0 ? PAIRING_POLL_MS : Math.max(PAIRING_POLL_MS, reconnectDelay(failures, random));
  return Math.max(delay, (retryAfterSeconds ?? 0) * 1000);
}

export type IdlePhase = { phase: 'active' } | { phase: 'warning'; secondsLeft: number } | { phase: 'locked' };

/** Where an idle dashboard stands: active, in its final warning window, or due to lock. */
export function idlePhase(lastActivity: number, now: number, lockAfterMs: number, warnMs = 30_000): IdlePhase {
  const idle = now - lastActivity;
  if (idle >= lockAfterMs) return { phase: 'locked' };
  if (idle >= lockAfterMs - warnMs) return { phase: 'warning', secondsLeft: Math.ceil((lockAfterMs - idle) / 1000) };
  return { phase: 'active' };
}
