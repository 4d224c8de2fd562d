import { describe, expect, it } from 'vitest';
import type { LoginSession, SignedIn } from '../bridge/types.ts';
import { idlePhase, initialKioskState, kioskReducer, renewalDelay, type KioskState } from './kiosk-machine.ts';

const session = (id: string, createdAt = '2026-01-01T10:00:00Z', expiresAt = '2026-01-01T10:05:00Z'): LoginSession => ({
  id,
  kioskSecret: `secret-${id}`,
  status: 'pending',
  createdAt,
  expiresAt,
  qrPayload: `http://x/m#t=${id}`,
});
const info = { kiosk: { id: 1, name: 'Lobby', location: null }, settings: { idleLockSeconds: 120, sessionTtlSeconds: 300 } };
const signedIn: SignedIn = { accessToken: 'a', expiresAt: '2026-01-01T18:00:00Z', user: { id: 1, displayName: 'Ada', role: 'user' }, previousLogin: null };

function run(...actions: Parameters<typeof kioskReducer>[1][]): KioskState {
  return actions.reduce(kioskReducer, initialKioskState);
}

describe('the kiosk state machine', () => {
  it('goes from code to signing in to dashboard, and back to a fresh code on sign-out', () => {
    const s1 = session('s1');
    const steps = [
      { type: 'registered', info },
      { type: 'sessionReady', session: s1 },
      { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: s1.expiresAt } },
      { type: 'signedIn', signedIn },
      { type: 'signedOut' },
    ] as const;
    const names = steps.map((_, i) => run(...steps.slice(0, i + 1)).screen.name);
    expect(names).toEqual(['starting', 'qr', 'signingIn', 'dashboard', 'starting']);
  });

  it('asks for the PIN after the badge when the session says so, counts wrong ones, and starts over after the last', () => {
    const s1 = session('s1');
    const atPin = run(
      { type: 'registered', info },
      { type: 'sessionReady', session: s1 },
      { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: s1.expiresAt, pinRequired: true } },
    );
    expect(atPin.screen).toEqual({ name: 'pin', session: s1, triesLeft: 5 });
    const once = kioskReducer(atPin, { type: 'pinRejected' });
    expect(once.screen).toMatchObject({ name: 'pin', triesLeft: 4, problem: 'wrong' });
    const spent = [1, 2, 3, 4].reduce((state) => kioskReducer(state, { type: 'pinRejected' }), once);
    expect(spent.screen.name).toBe('starting');
    expect(kioskReducer(atPin, { type: 'pinLocked' }).screen).toMatchObject({ name: 'pin', triesLeft: 0, problem: 'locked' });
    expect(kioskReducer(atPin, { type: 'signedIn', signedIn }).screen.name).toBe('dashboard');
    // The session expiring under the PIN pad takes it down.
    expect(kioskReducer(atPin, { type: 'sessionStatus', sessionId: 's1', update: { status: 'expired', expiresAt: s1.expiresAt } }).screen.name).toBe('starting');
  });

  it('goes to the PIN pad when the exchange says a PIN is due, and opens the console only for administrators', () => {
    const s1 = session('s1');
    const signingIn = run(
      { type: 'registered', info },
      { type: 'sessionReady', session: s1 },
      { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: s1.expiresAt } },
    );
    expect(kioskReducer(signingIn, { type: 'pinNeeded', sessionId: 's1' }).screen).toMatchObject({ name: 'pin', triesLeft: 5 });
    expect(kioskReducer(signingIn, { type: 'pinNeeded', sessionId: 'other' })).toBe(signingIn);
    const user = kioskReducer(signingIn, { type: 'signedIn', signedIn });
    expect(kioskReducer(user, { type: 'console', open: true })).toBe(user);
    const admin = kioskReducer(signingIn, { type: 'signedIn', signedIn: { ...signedIn, user: { ...signedIn.user, role: 'admin' } } });
    expect(kioskReducer(admin, { type: 'console', open: true }).screen).toMatchObject({ name: 'dashboard', console: true });
  });

  it('ignores news of a session that is no longer on screen', () => {
    const state = run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') }, { type: 'sessionReady', session: session('s2') });
    const after = kioskReducer(state, { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: '' } });
    expect(after).toBe(state);
  });

  it('swaps a renewed code in place, without a blank frame between the two', () => {
    const state = run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') }, { type: 'sessionReady', session: session('s2') });
    expect(state.screen).toMatchObject({ name: 'qr', session: { id: 's2' } });
  });

  it('asks for a new code as soon as the one on screen expires', () => {
    const state = run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') }, { type: 'sessionStatus', sessionId: 's1', update: { status: 'expired', expiresAt: '' } });
    expect(state.screen.name).toBe('starting');
  });

  it('keeps a renewal from pulling a signed-in user back to the code', () => {
    const state = run(
      { type: 'registered', info },
      { type: 'sessionReady', session: session('s1') },
      { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: '' } },
      { type: 'signedIn', signedIn },
      { type: 'sessionReady', session: session('late') },
    );
    expect(state.screen.name).toBe('dashboard');
  });

  it('counts rejected badges on the code on screen', () => {
    const state = run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') }, { type: 'badgeRejected', sessionId: 's1', remainingAttempts: 3 });
    expect(state.screen).toMatchObject({ name: 'qr', remainingAttempts: 3 });
  });
});

describe('the desk reader at a signed-in kiosk', () => {
  const signedInWithStandby = () =>
    run(
      { type: 'registered', info },
      { type: 'sessionReady', session: session('s1') },
      { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: '' } },
      { type: 'signedIn', signedIn },
      { type: 'standbyReady', session: session('standby') },
    );

  it('keeps a waiting session behind the dashboard and follows it', () => {
    const state = signedInWithStandby();
    expect(state.screen).toMatchObject({ name: 'dashboard', standby: { id: 'standby' } });
  });

  it('signs the next user in through it on a tap-over', () => {
    const state = kioskReducer(signedInWithStandby(), { type: 'sessionStatus', sessionId: 'standby', update: { status: 'authenticated', expiresAt: '' } });
    expect(state.screen).toMatchObject({ name: 'signingIn', session: { id: 'standby' } });
  });

  it('goes straight to the waiting code when its user is tapped out, and ignores sign-outs of others', () => {
    const state = signedInWithStandby();
    expect(kioskReducer(state, { type: 'signedOutElsewhere', userId: 99 })).toBe(state);
    expect(kioskReducer(state, { type: 'signedOutElsewhere', userId: 1 }).screen).toMatchObject({ name: 'qr', session: { id: 'standby' } });
    expect(kioskReducer(state, { type: 'signedOut' }).screen).toMatchObject({ name: 'qr', session: { id: 'standby' } });
  });

  it('drops an expired waiting session so that a new one is made', () => {
    const state = kioskReducer(signedInWithStandby(), { type: 'sessionStatus', sessionId: 'standby', update: { status: 'expired', expiresAt: '' } });
    expect(state.screen).toEqual({ name: 'dashboard', signedIn });
  });
});

describe('the first run of the kiosk app', () => {
  it('shows the first-run screen over the code, and a fresh code once the administrator is enrolled', () => {
    const waiting = run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') }, { type: 'firstRunNeeded' });
    expect(waiting.screen).toEqual({ name: 'firstRun' });
    expect(kioskReducer(waiting, { type: 'sessionReady', session: session('s2') })).toBe(waiting);
    expect(kioskReducer(waiting, { type: 'firstRunDone' }).screen).toEqual({ name: 'starting' });
  });
});

describe('renewal timing', () => {
  it('renews 30 s before expiry for a 5-minute code', () => {
    expect(renewalDelay(session('s'), Date.parse('2026-01-01T10:00:00Z'))).toBe(270_000);
  });
  it('renews at four fifths of a short code’s life', () => {
    expect(renewalDelay(session('s', '2026-01-01T10:00:00Z', '2026-01-01T10:00:10Z'), Date.parse('2026-01-01T10:00:00Z'))).toBe(8_000);
  });
  it('renews at once when already late', () => {
    expect(renewalDelay(session('s'), Date.parse('2026-01-01T10:06:00Z'))).toBe(0);
  });
});

describe('idle lock timing', () => {
  it('is active, then warns for the last 30 s with a countdown, then locks', () => {
    expect(idlePhase(0, 89_000, 120_000)).toEqual({ phase: 'active' });
    expect(idlePhase(0, 90_000, 120_000)).toEqual({ phase: 'warning', secondsLeft: 30 });
    expect(idlePhase(0, 119_100, 120_000)).toEqual({ phase: 'warning', secondsLeft: 1 });
    expect(idlePhase(0, 120_000, 120_000)).toEqual({ phase: 'locked' });
  });
});
