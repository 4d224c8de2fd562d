import { runsAt, type Lifetime } from './login-session.lifetime.ts';

/** One timer for every watched session's end, re-reading the wall clock (which may be set) so that its kiosk hears `expired` in time. */
export interface ExpiryTimers {
  schedule(id: string, lifetime: Lifetime): void;
  cancel(id: string): void;
  stopAll(): void;
  readonly size: number;
}

// API.md allows 2 s for the push; a jump of the clock is seen at the next look.
const LOOK_AT_LEAST_EVERY_MS = 1_000;
// Sessions ending close together are handled in one pass, so passes over every session stay few.
const LOOK_AT_MOST_EVERY_MS = 100;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export function createExpiryTimers(now: () => number, onDue: (ids: string[]) => void): ExpiryTimers {
  const watched = new Map<string, Lifetime>();
  let timer: NodeJS.Timeout | undefined;
  // On the monotonic clock, so that re-arming compares like with like whatever the wall clock does.
  let firesAt = Infinity;

  function arm(delay: number): void {
    const at = performance.now() + delay;
    if (timer && firesAt <= at) return;
    clearTimeout(timer);
    timer = setTimeout(look, delay);
    timer.unref();
    firesAt = at;
  }

  function look(): void {
    timer = undefined;
    firesAt = Infinity;
    const at = now();
    const due: string[] = [];
    let nearest = Infinity;
    for (const [id, lifetime] of watched) {
      if (runsAt(lifetime, at)) {
        nearest = Math.min(nearest, lifetime.expires_at);
      } else {
        watched.delete(id);
        due.push(id);
      }
    }
    if (watched.size > 0) arm(clamp(nearest - at, LOOK_AT_MOST_EVERY_MS, LOOK_AT_LEAST_EVERY_MS));
    if (due.length > 0) onDue(due);
  }

  function stopAll(): void {
    clearTimeout(timer);
    timer = undefined;
    firesAt = Infinity;
    watched.clear();
  }

  return {
    schedule(id, { created_at, expires_at }) {
      if (watched.has(id)) return;
      watched.set(id, { created_at, expires_at });
      arm(clamp(expires_at - now(), 0, LOOK_AT_LEAST_EVERY_MS));
    },
    cancel(id) {
      watched.delete(id);
      if (watched.size === 0) stopAll();
    },
    stopAll,
    get size() {
      return watched.size;
    },
  };
}
