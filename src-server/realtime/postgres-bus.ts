import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createMemoryBus, type Channel, type EventBus } from './event-bus.ts';

/** How a bus's connection shows in pg_stat_activity, followed by the instance's own id (the pool's say `tapin`). */
export const BUS_APPLICATION_NAME = 'tapin-bus';

/** The one NOTIFY channel every instance of a site listens on. */
export const NOTIFY_CHANNEL = 'tapin_events';
/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more; TapIn's events are a few hundred. */
const PAYLOAD_LIMIT = 7_900;
/** Events published while the connection is down, sent once it is back (oldest dropped past this). */
const BACKLOG_LIMIT = 1_000;

interface Wire {
  /** The publishing instance: its own notifications come back to it, and are not delivered twice. */
  o: string;
  c?: string;
  e?: unknown;
  /** "Read everything afresh": an event could not be sent as it was (too large, or dropped from a full backlog). */
  r?: 1;
}

/** How often the listening connection proves it is alive, and how long it may take to. */
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

export interface PostgresBusLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface PostgresBus extends EventBus {
  /** This bus's connection's application_name. */
  readonly connectionName: string;
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
  const connectionName = `${BUS_APPLICATION_NAME} ${origin}`;
  const resyncs = new Set<() => void>();
  let client: pg.Client | undefined;
  let backlog: string[] = [];
  let overflowed = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const resyncAll = () => {
    for (const resync of [...resyncs]) resync();
  };
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;

  const keep = (payload: string) => {
    backlog.push(payload);
    if (backlog.length > BACKLOG_LIMIT) {
      backlog = backlog.slice(-BACKLOG_LIMIT);
      overflowed = true;
    }
  };
  const send = (payload: string) => {
    if (!client) return keep(payload);
    // One connection sends them all, in the order they were published; one that fails is kept for the next.
    client.query('select pg_notify($1, $2)', [NOTIFY_CHANNEL, payload]).catch(() => keep(payload));
  };
  const everyoneRereads = () => JSON.stringify({ o: origin, r: 1 } satisfies Wire);

  async function connect(): Promise<void> {
    // Keep-alive and a heartbeat: a connection silently dropped (NAT, failover) is found out, not left deaf.
    const connection = new pg.Client({
      connectionString: url,
      application_name: connectionName,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      query_timeout: HEARTBEAT_TIMEOUT_MS,
    });
    const lost = () => {
      if (client !== connection) return;
      client = undefined;
      clearInterval(heartbeat);
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
      if (wire.o === origin) return;
      if (wire.r) resyncAll();
      else if (wire.c) local.publish({ name: wire.c }, wire.e);
    });
    await connection.connect();
    await connection.query(`listen ${NOTIFY_CHANNEL}`);
    // Closed while this connection was being made: it is not kept.
    if (closed) {
      await connection.end().catch(() => undefined);
      return;
    }
    const recovering = attempt > 0;
    attempt = 0;
    client = connection;
    heartbeat = setInterval(() => {
      connection.query('select 1').catch(() => lost());
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const waiting = backlog;
    backlog = [];
    // Events dropped from a full backlog: the other instances read everything afresh instead.
    if (overflowed) {
      overflowed = false;
      send(everyoneRereads());
    }
    for (const payload of waiting) send(payload);
    if (recovering) {
      log.info('event bus: connected to PostgreSQL again');
      resyncAll();
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
        log.warn(`event bus: an event on ${channel.name} is too large for NOTIFY (${Buffer.byteLength(payload)} bytes): the other instances read afresh instead`);
        send(everyoneRereads());
        return;
      }
      send(payload);
    },
    subscribe: (channel, listener) => local.subscribe(channel, listener),
    listening: (channel) => local.listening(channel),
    spansInstances: true,
    connectionName,
    onResync(listener) {
      resyncs.add(listener);
      return () => resyncs.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      const connection = client;
      client = undefined;
      await connection?.end().catch(() => undefined);
    },
  };
}
