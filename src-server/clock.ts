/** Time as the rules see it; tests pass a clock they can move. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * How far the clock may step back past a login or access session's creation before the session ends:
 * an NTP step or the skew between instances sharing a database stays well within it; further back, the
 * session's real age can no longer be known.
 */
export const CLOCK_STEP_BACK_TOLERANCE_MS = 5_000;

/** A clock that only moves when told to. */
export function manualClock(start = Date.parse('2026-01-01T09:00:00Z')): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
