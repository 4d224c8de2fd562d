import { describe, expect, it } from 'vitest';
import { withHeadStart } from './head-start.ts';
import { ApiError, type KioskBridge, type KioskInfo, type LoginSession } from './types.ts';

const info: KioskInfo = { kiosk: { id: 1, name: 'Lobby', location: null }, settings: { idleLockSeconds: 60, sessionTtlSeconds: 300 } };
const session = (n: number): LoginSession => ({
  id: `s${n}`,
  kioskSecret: 'secret',
  status: 'pending',
  createdAt: '2026-01-01T00:00:00Z',
  expiresAt: '2026-01-01T00:05:00Z',
  qrPayload: `http://kiosk.test/m#t=${n}`,
});

/** A bridge that counts its calls; the ones a test does not use throw. */
function counting(overrides: Partial<KioskBridge> = {}) {
  const calls = { kioskInfo: 0, createSession: 0 };
  const unused = () => {
    throw new Error('not used here');
  };
  const bridge: KioskBridge = {
    kioskInfo: async () => (calls.kioskInfo++, info),
    createSession: async () => session(++calls.createSession),
    watchSession: unused,
    watchKiosk: unused,
    exchange: unused,
    logout: unused,
    user: { request: unused },
    pairing: { start: unused, check: unused },
    ...overrides,
  };
  return { bridge, calls };
}

describe('a bridge with a head start', () => {
  it('sends the first kiosk info and login session calls at once, before anyone asks', () => {
    const { bridge, calls } = counting();
    withHeadStart(bridge);
    expect(calls).toEqual({ kioskInfo: 1, createSession: 1 });
  });

  it('hands those answers to the first calls, and sends later calls as usual', async () => {
    const { bridge, calls } = counting();
    const started = withHeadStart(bridge);
    expect(await started.createSession()).toMatchObject({ id: 's1' });
    expect(await started.kioskInfo()).toEqual(info);
    expect(calls).toEqual({ kioskInfo: 1, createSession: 1 });
    expect(await started.createSession()).toMatchObject({ id: 's2' });
    expect(calls).toEqual({ kioskInfo: 1, createSession: 2 });
  });

  it('keeps an early failure for the first call, without an unhandled rejection in between', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const { bridge } = counting({ kioskInfo: () => Promise.reject(new ApiError('KIOSK_UNAUTHORIZED', 401, 'unknown kiosk key')) });
      const started = withHeadStart(bridge);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      await expect(started.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED' });
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('opens on the first answers when both are in within the wait, and then asks again for the next code', async () => {
    const { bridge, calls } = counting();
    const started = withHeadStart(bridge);
    expect(await started.firstAnswers(1_000)).toEqual({ info, session: session(1) });
    expect(await started.createSession()).toMatchObject({ id: 's2' });
    await started.kioskInfo();
    expect(calls).toEqual({ kioskInfo: 2, createSession: 2 });
  });

  it('opens on nothing when an answer is late, and leaves both to the app’s first calls', async () => {
    let answer: (value: LoginSession) => void = () => undefined;
    const { bridge, calls } = counting({ createSession: () => new Promise<LoginSession>((resolve) => (answer = resolve)) });
    const started = withHeadStart(bridge);
    expect(await started.firstAnswers(10)).toBeUndefined();
    answer(session(7));
    expect(await started.createSession()).toMatchObject({ id: 's7' });
    expect(await started.kioskInfo()).toEqual(info);
    expect(calls.kioskInfo).toBe(1);
  });

  it('opens on nothing when an answer failed, which the app’s first call then sees', async () => {
    const { bridge } = counting({ createSession: () => Promise.reject(new ApiError('RATE_LIMITED', 429, 'slow down')) });
    const started = withHeadStart(bridge);
    expect(await started.firstAnswers(1_000)).toBeUndefined();
    await expect(started.createSession()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});
