import type { DeskReaderState } from '../reader/reader-protocol.ts';
import type { LoginSessionView } from '../sessions/login-session.view.ts';

/** What the server tells a login session's watchers (the kiosk that created it). */
export type LoginSessionEvent =
  | { type: 'status'; session: LoginSessionView }
  | { type: 'rejected'; rejectedBadges: number; remainingAttempts: number };

/** What the server tells a kiosk screen about itself: a sign-out it did not ask for, its desk reader. */
/** `revoked` never reaches a kiosk screen: its events socket is closed (4401) on hearing it. */
export type KioskEvent = { type: 'signedOut'; userId: number } | { type: 'reader'; state: DeskReaderState } | { type: 'revoked' };

/** A named channel, typed by the events it carries. */
export interface Channel<Event> {
  readonly name: string;
  /** Never set: carries the event type. */
  readonly event?: Event;
}

export const loginSessionChannel = (id: string): Channel<LoginSessionEvent> => ({ name: `login-session:${id}` });
export const kioskChannel = (id: number): Channel<KioskEvent> => ({ name: `kiosk:${id}` });

/**
 * Publish/subscribe by channel: in-process for one instance (below), over PostgreSQL's LISTEN/NOTIFY
 * for several (postgres-bus.ts).
 */
export interface EventBus {
  publish<Event>(channel: Channel<Event>, event: Event): void;
  subscribe<Event>(channel: Channel<Event>, listener: (event: Event) => void): () => void;
  /** Whether anything on this instance listens to the channel now (a screen watching its session). */
  listening(channel: Channel<unknown>): boolean;
  /**
   * Whether other instances share this site (a bus across instances): what one instance alone knows,
   * such as the session a screen watches, must then be in the database.
   */
  readonly spansInstances?: boolean;
  /** Where events can be lost in a gap (a bus across instances): called after one, to read things afresh. */
  onResync?(listener: () => void): () => void;
}

export function createMemoryBus(): EventBus {
  // Channels keep their listeners' types apart; the map itself only knows names.
  const listeners = new Map<string, Set<(event: unknown) => void>>();
  return {
    publish(channel, event) {
      const set = listeners.get(channel.name);
      if (!set) return;
      for (const listener of [...set]) listener(event);
    },
    subscribe<Event>(channel: Channel<Event>, listener: (event: Event) => void) {
      let set = listeners.get(channel.name);
      if (!set) listeners.set(channel.name, (set = new Set()));
      const untyped = listener as (event: unknown) => void;
      set.add(untyped);
      return () => {
        set.delete(untyped);
        if (set.size === 0) listeners.delete(channel.name);
      };
    },
    listening: (channel) => listeners.has(channel.name),
  };
}
