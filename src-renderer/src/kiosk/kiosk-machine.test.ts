import { describe, expect, it } from 'vitest';
import type { LoginSession, PairingCode, SignedIn } from '../bridge/types.ts';
import { idlePhase, initialKioskState, kioskReducer, pairingPollDelay, renewalDelay, type KioskState } from './kiosk-machine.ts';

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

const code = (id: string): PairingCode => ({ id, code: 'BCDF-2345', pollSecret: `poll-${id}`, expiresAt: '2026-01-01T10:10:00Z', server: 'http://tapin.lan' });

describe('pairing a kiosk that has no key', () => {
  it('shows a code, and once it is approved loads as a paired kiosk onto its login screen', () => {
    const steps = [{ type: 'notPaired' }, { type: 'pairingStarted', pairing: code('p1') }, { type: 'paired' }, { type: 'registered', info }, { type: 'sessionReady', session: session('s1') }] as const;
    const names = steps.map((_, i) => run(...steps.slice(0, i + 1)).screen.name);
    expect(names).toEqual(['pairing', 'pairing', 'loading', 'starting', 'qr']);
    expect(run(...steps.slice(0, 2)).screen).toEqual({ name: 'pairing', pairing: code('p1') });
  });

  it('takes an expired code down so that a new one is asked for, and ignores the expiry of a code no longer shown', () => {
    const shown = run({ type: 'notPaired' }, { type: 'pairingStarted', pairing: code('p1') });
    expect(kioskReducer(shown, { type: 'pairingExpired', pairingId: 'p1' }).screen).toEqual({ name: 'pairing' });
    const renewed = run({ type: 'notPaired' }, { type: 'pairingStarted', pairing: code('p1') }, { type: 'pairingExpired', pairingId: 'p1' }, { type: 'pairingStarted', pairing: code('p2') });
    expect(renewed.screen).toEqual({ name: 'pairing', pairing: code('p2') });
    expect(kioskReducer(renewed, { type: 'pairingExpired', pairingId: 'p1' })).toBe(renewed);
  });

  it('falls back to pairing from any screen when the server refuses the key, forgetting who the kiosk was', () => {
    const atDashboard = run(
      { type: 'registered', info },
      { type: 'sessionReady', session: session('s1') },
      { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: session('s1').expiresAt } },
      { type: 'signedIn', signedIn },
      { type: 'reader', state: 'ready' },
    );
    for (const state of [atDashboard, run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') }), run({ type: 'unreachable' })]) {
      const after = kioskReducer(state, { type: 'notPaired' });
      expect(after.screen).toEqual({ name: 'pairing' });
      expect(after.info).toBeUndefined();
      expect(after.reader).toBeNull();
    }
  });

  it('ignores a code or an approval that arrives once the kiosk is elsewhere', () => {
    const atQr = run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') });
    expect(kioskReducer(atQr, { type: 'pairingStarted', pairing: code('p1') })).toBe(atQr);
    expect(kioskReducer(atQr, { type: 'paired' })).toBe(atQr);
  });

  it('polls every 2 s, backs off after failures, and never before the server’s Retry-After', () => {
    const mid = () => 0.5;
    expect(pairingPollDelay(0)).toBe(2_000);
    expect([1, 2, 3, 4, 5, 9].map((n) => pairingPollDelay(n, undefined, mid))).toEqual([2_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(pairingPollDelay(1, 30, mid)).toBe(30_000);
  });
});

describe('a server that cannot be reached', () => {
  it('puts the whole screen to it instead of the code, counting retries, and comes back to a fresh code', () => {
    const atQr = run({ type: 'registered', info }, { type: 'sessionReady', session: session('s1') });
    const down = kioskReducer(atQr, { type: 'unreachable' });
    expect(down.screen).toEqual({ name: 'unreachable', attempt: 0 });
    const scheduled = kioskReducer(down, { type: 'retryScheduled', retryAt: 1_000 });
    expect(scheduled.screen).toEqual({ name: 'unreachable', attempt: 0, retryAt: 1_000 });
    const stillDown = kioskReducer(scheduled, { type: 'unreachable' });
    expect(stillDown.screen).toEqual({ name: 'unreachable', attempt: 1 });
    const back = kioskReducer(kioskReducer(stillDown, { type: 'registered', info }), { type: 'sessionReady', session: session('s2') });
    expect(back.screen).toMatchObject({ name: 'qr', session: { id: 's2' } });
    expect(back.online).toBe(true);
  });

  it('is what a kiosk that cannot reach its server at start, or while pairing, shows', () => {
    expect(run({ type: 'unreachable' }).screen.name).toBe('unreachable');
    expect(run({ type: 'notPaired' }, { type: 'unreachable' }).screen.name).toBe('unreachable');
    expect(run({ type: 'registered', info }, { type: 'unreachable' }).screen.name).toBe('unreachable');
  });

  it('leaves a signed-in person on their dashboard (and someone mid-sign-in on their screen), marked offline', () => {
    const s1 = session('s1');
    const signingIn = run({ type: 'registered', info }, { type: 'sessionReady', session: s1 }, { type: 'sessionStatus', sessionId: 's1', update: { status: 'authenticated', expiresAt: s1.expiresAt } });
    const atDashboard = kioskReducer(signingIn, { type: 'signedIn', signedIn });
    for (const state of [signingIn, atDashboard]) {
      const down = kioskReducer(state, { type: 'unreachable' });
      expect(down.screen).toBe(state.screen);
      expect(down.online).toBe(false);
      expect(kioskReducer(down, { type: 'connection', online: true }).online).toBe(true);
    }
    // Signing out while the server is away: then the outage takes the screen.
    const out = kioskReducer(kioskReducer(kioskReducer(atDashboard, { type: 'unreachable' }), { type: 'signedOut' }), { type: 'unreachable' });
    expect(out.screen.name).toBe('unreachable');
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
