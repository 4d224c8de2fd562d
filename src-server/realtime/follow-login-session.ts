import type { LoginSessionStatus } from '../db/schema.ts';
import type { Services } from '../services.ts';
import { loginSessionChannel, type EventBus, type LoginSessionEvent } from './event-bus.ts';

// Statuses only move forward; an event that arrives late must not walk the kiosk back.
const rank: Record<LoginSessionStatus, number> = { pending: 0, authenticated: 1, consumed: 2, expired: 2 };

/** Consumed or expired: nothing more will happen to the session. */
export const isFinalStatus = (status: LoginSessionStatus) => rank[status] === 2;

export interface LoginSessionFollow {
  /** Resolves once the kioskSecret is proven and the current status delivered; rejects, stopped, if not. */
  ready: Promise<void>;
  stop(): void;
}

/**
 * A kiosk following its login session, whatever carries the events (the WebSocket route, the Electron
 * IPC): subscribes at once but holds events back until the kioskSecret is proven, so that none falls
 * in between and none reaches a watcher that has not proven it; then delivers the current status and
 * every change after it, statuses only moving forward.
 */
export function followLoginSession(services: Services, bus: EventBus, id: string, kioskSecret: string, deliver: (event: LoginSessionEvent) => void): LoginSessionFollow {
  let lastStatus: LoginSessionStatus | undefined;
  let held: LoginSessionEvent[] | undefined = [];
  const forward = (event: LoginSessionEvent) => {
    if (event.type === 'status') {
      const status = event.session.status;
      if (lastStatus !== undefined && (status === lastStatus || rank[status] < rank[lastStatus])) return;
      lastStatus = status;
    }
    deliver(event);
  };
  const unsubscribe = bus.subscribe(loginSessionChannel(id), (event) => (held ? held.push(event) : forward(event)));
  // After a gap in the bus (another instance's news may be lost in it): the status as it is now.
  const reread = () => {
    if (!held) services.loginSessions.watch(id, kioskSecret).then((session) => forward({ type: 'status', session }), () => undefined);
  };
  const unresync = bus.onResync?.(reread);
  // Across instances, counted in the database while followed (the desk reader, on any instance, signs
  // in through it); one instance alone knows it from its own bus, with no write.
  let counted: Promise<boolean> | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    unsubscribe();
    unresync?.();
    void counted
      ?.then(async (yes) => {
        if (yes) await services.loginSessions.countWatcher(id, -1);
      })
      .catch(() => undefined);
    counted = undefined;
  };
  const ready = services.loginSessions.watch(id, kioskSecret).then(
    (session) => {
      const pending = held ?? [];
      held = undefined;
      forward({ type: 'status', session });
      for (const event of pending) forward(event);
      if (bus.spansInstances && !stopped && !isFinalStatus(session.status)) {
        counted = services.loginSessions.countWatcher(id, 1).then(
          () => true,
          () => false,
        );
      }
    },
    (error: unknown) => {
      stop();
      throw error;
    },
  );
  return { ready, stop };
}
