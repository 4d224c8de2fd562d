/**
 * One timer per watched login session, firing at its expiry so that its kiosk hears `expired` within
 * moments of it rather than at the next cleanup run.
 */
export interface ExpiryTimers {
  schedule(id: string, expiresAt: number): void;
  cancel(id: string): void;
  stopAll(): void;
  readonly size: number;
}

// setTimeout cannot wait longer than about 24.8 days; longer waits are re-armed in steps.
const MAX_DELAY = 2 ** 31 - 1;

export function createExpiryTimers(now: () => number, onDue: (id: string) => void): ExpiryTimers {
  const timers = new Map<string, NodeJS.Timeout>();

  function arm(id: string, expiresAt: number): void {
    const delay = Math.max(0, expiresAt - now());
    const timer = setTimeout(
      () => {
        timers.delete(id);
        if (delay > MAX_DELAY) arm(id, expiresAt);
        else onDue(id);
      },
      Math.min(delay, MAX_DELAY),
    );
    timer.unref();
    timers.set(id, timer);
  }

  return {
    schedule(id, expiresAt) {
      if (!timers.has(id)) arm(id, expiresAt);
    },
    cancel(id) {
      clearTimeout(timers.get(id));
      timers.delete(id);
    },
    stopAll() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
    get size() {
      return timers.size;
    },
  };
}
