import type { Clock } from './clock.ts';
import type { ServerConfig } from './config.ts';
import type { TapinDb } from './db/open.ts';
import type { EventBus } from './realtime/event-bus.ts';

/** What every service is built from; passed in, never imported, so a test builds a fresh world in a line. */
export interface Deps {
  db: TapinDb;
  clock: Clock;
  bus: EventBus;
  config: ServerConfig;
  /** The base URL phones reach this server at (known only once it listens). */
  publicUrl: () => string;
}
