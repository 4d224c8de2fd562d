import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createMemoryBus, type Channel, type EventBus } from './event-bus.ts';

/** The one NOTIFY channel every instance of a site listens on. */
export const NOTIFY_CHANNEL = 'tapin_events';
/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more; TapIn's events are a few hundred. */
const PAYLOAD_LIMIT = 7_900;
/** Events published while the connection is down, sent once it is back (oldest dropped past this). */
const BACKLOG_LIMIT = 1_000;

interface Wire {
  /** The publishing instance: its own notifications come back to it, and are not delivered twice. */
  o: string;
  c: string;
  e: unknown;
}

export interface PostgresBusLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface PostgresBus extends EventBus {
  close(): Promise<void>;
}

/**
 * The event bus of a site whose instances share one PostgreSQL database: every event is delivered on
 * this instance at once (as by the in-process bus) and sent to the others with NOTIFY, over one
 * connection of its own that also LISTENs. After the connection was lost and found again, everyone
 * following something here is told to read it afresh (`onResync`): a notification missed in the gap
 * costs a moment, never a stuck screen.
 */
export async function createPostgresBus(url: string, log: PostgresBusLog = { info: () => undefined, warn: () => undefined }): Promise<PostgresBus> {
  const local = createMemoryBus();
  const origin = randomBytes(9).toString('base64url');
  const resyncs = new Set<() => void>();
  let client: pg.Client | undefined;
  let backlog: string[] = [];
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;

  const send = (payload: string) => {
    if (!client) {
      backlog.push(payload);
      if (backlog.length > BACKLOG_LIMIT) backlog = backlog.slice(-BACKLOG_LIMIT);
      return;
    }
    // One connection sends them all, in the order they were published.
    client.query('select pg_notify($1, $2)', [NOTIFY_CHANNEL, payload]).catch(() => undefined);
  };

  async function connect(): Promise<void> {
    const connection = new pg.Client({ connectionString: url });
    const lost = () => {
      if (client !== connection) return;
      client = undefined;
      connection.removeAllListeners('notification');
      void connection.end().catch(() => undefined);
      if (closed) return;
      log.warn('event bus: the PostgreSQL connection was lost; reconnecting');
      schedule();
    };
    connection.on('error', lost);
    connection.on('end', lost);
    connection.on('notification', (message) => {
      if (message.channel !== NOTIFY_CHANNEL || !message.payload) return;
      let wire: Wire;
      try {
        wire = JSON.parse(message.payload) as Wire;
      } catch {
        return;
      }
      if (wire.o !== origin) local.publish({ name: wire.c }, wire.e);
    });
    await connection.connect();
    await connection.query(`listen ${NOTIFY_CHANNEL}`);
    const recovering = attempt > 0;
    attempt = 0;
    client = connection;
    const waiting = backlog;
    backlog = [];
    for (const payload of waiting) send(payload);
    if (recovering) {
      log.info('event bus: connected to PostgreSQL again');
      for (const resync of [...resyncs]) resync();
    }
  }

  function schedule(): void {
    clearTimeout(retry);
    const delay = Math.min(5_000, 100 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    retry = setTimeout(() => {
      connect().catch(() => {
        if (!closed) schedule();
      });
    }, delay);
    retry.unref();
  }

  await connect();

  return {
    publish<Event>(channel: Channel<Event>, event: Event) {
      local.publish(channel, event);
      const payload = JSON.stringify({ o: origin, c: channel.name, e: event } satisfies Wire);
      if (Buffer.byteLength(payload) > PAYLOAD_LIMIT) {
        log.warn(`event bus: an event on ${channel.name} is too large for NOTIFY (${Buffer.byteLength(payload)} bytes): other instances will read it afresh later`);
        return;
      }
      send(payload);
    },
    subscribe: (channel, listener) => local.subscribe(channel, listener),
    onResync(listener) {
      resyncs.add(listener);
      return () => resyncs.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const connection = client;
      client = undefined;
      await connection?.end().catch(() => undefined);
    },
  };
}
