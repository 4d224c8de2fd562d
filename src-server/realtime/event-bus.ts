import type { LoginSessionView } from '../sessions/login-session.view.ts';

/** What the server tells a login session's watchers (the kiosk that created it). */
export type LoginSessionEvent =
  | { type: 'status'; session: LoginSessionView }
  | { type: 'rejected'; rejectedBadges: number; remainingAttempts: number };

/**
 * Publish/subscribe by channel. In-process today; the interface is what a multi-instance
 * backend (Redis, PostgreSQL LISTEN/NOTIFY) will implement later.
 */
export interface EventBus {
  publish(channel: string, event: LoginSessionEvent): void;
  subscribe(channel: string, listener: (event: LoginSessionEvent) => void): () => void;
}

export const loginSessionChannel = (id: string): string => `login-session:${id}`;

export function createMemoryBus(): EventBus {
  const listeners = new Map<string, Set<(event: LoginSessionEvent) => void>>();
  return {
    publish(channel, event) {
      const set = listeners.get(channel);
      if (!set) return;
      for (const listener of [...set]) listener(event);
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(channel);
      };
    },
  };
}
