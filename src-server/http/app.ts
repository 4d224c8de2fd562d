import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import { trackSockets } from './drain.ts';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { DestinationStream } from 'pino';
import packageJson from '../../package.json' with { type: 'json' };
import { accessRoutes } from '../access/access.routes.ts';
import { adminRoutes } from '../admin/admin.routes.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { ServerConfig } from '../config.ts';
import { openServerDatabase } from '../db/open.ts';
import type { StorageMonitor } from '../db/storage.ts';
import type { Deps } from '../deps.ts';
import { scheduleCleanup, type CleanupScheduler } from '../maintenance/cleanup.scheduler.ts';
import { kioskChannel, type EventBus } from '../realtime/event-bus.ts';
import { startHeartbeat } from '../realtime/heartbeat.ts';
import { loginSessionEventRoutes } from '../realtime/login-session-events.ts';
import { createServices, type Services } from '../services.ts';
import { loginSessionRoutes } from '../sessions/login-session.routes.ts';
import { kioskRoutes } from '../kiosks/kiosk.routes.ts';
import { readerTapsRoutes } from '../kiosks/reader-taps.routes.ts';
import { pairingRoutes } from '../pairing/pairing.routes.ts';
import { demoRoutes } from '../demo.routes.ts';
import { startDeskReader, type DeskReader, type DeskReaderOptions } from '../reader/desk-reader.ts';
import { kioskEventRoutes } from '../realtime/kiosk-events.ts';
import { tapsAtKiosk } from '../reader/desk-reader.taps.ts';
import { installErrorHandling } from './error-handler.ts';
import { answerClientError, installHostRequired } from './client-errors.ts';
import { capConnectionsPerAddress, installUpgradeRefusalClose, isLoopbackAddress, timeoutCheckInterval } from './connection-limits.ts';
import { installJsonBodyLimits } from './json-body.ts';
import { asyncStdout, flushLog, OneLinePerRequest } from './request-log.ts';
import { installHostGuard, isLoopbackHost } from './host-guard.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { installPhoneOnlyOffLoopback } from './phone-only.ts';
import { pageRoutes } from './pages.ts';
import { readinessRoutes } from './readiness.ts';
import { BUILT_RENDERER_DIR } from '../built-files.ts';
import { HealthSchema, NO_BEARER } from './schemas.ts';
import { publicUrlFor } from './public-url.ts';
import { trustedProxyMatcher } from './trust-proxy.ts';
import { AppError } from '../errors.ts';

export interface BuildOptions {
  clock?: Clock;
  bus?: EventBus;
  /** Run the cleanup job on its cron schedule (default true). */
  cleanupSchedule?: boolean;
  /**
   * Serve only the phone's routes to requests that do not arrive on loopback (the kiosk app on a LAN);
   * a function decides which local addresses count as loopback (tests use a second loopback address).
   */
  phoneOnlyOffLoopback?: boolean | ((localAddress: string | undefined) => boolean);
  /** Where the built pages are (default: out/renderer next to the sources). */
  rendererDir?: string;
  /** Remote addresses the per-address connection cap spares (default: loopback; tests cap a second loopback address). */
  uncappedAddress?: (address: string) => boolean;
  /** Where the log goes (default: standard output, written asynchronously; none when the level is silent). */
  logStream?: DestinationStream;
}

export interface TapinServer {
  app: FastifyInstance;
  services: Services;
  deps: Deps;
  /** Whether the database takes writes (the server's log and /readyz hear of it). */
  storage: StorageMonitor;
  /** Starts accepting requests; resolves to the base URL it listens on. */
  listen(): Promise<string>;
  /** Attaches the PC/SC desk reader to a kiosk: its taps act on that kiosk's sessions. Stopped on close. */
  attachDeskReader(kioskId: number, options?: Pick<DeskReaderOptions, 'retryDelay' | 'process'>): DeskReader;
  /**
   * Drains and stops (SIGTERM): no new connection is accepted, WebSockets are closed with 1012 (service
   * restart: kiosks reconnect at once, to another instance behind a load balancer), requests in flight
   * are answered — those still running after DRAIN_MS are cut — then the database is closed.
   */
  close(): Promise<void>;
  /**
   * SIGTERM behind a load balancer: for `graceMs` every answer closes its connection (and upgrades are
   * refused) while the server still listens, so that the connections a load balancer keeps alive to it
   * are each closed after an answer rather than under a request it is sending; then `close()`.
   */
  drain(graceMs?: number): Promise<void>;
}

/** How long a draining server answers with `Connection: close` before it stops listening. */
export const DRAIN_GRACE_MS = 1_500;

/** How long a closing server lets requests in flight finish. */
export const DRAIN_MS = 10_000;

/** The close code a kiosk hears when its server goes for a restart: come back now (RFC 6455 §7.4.1). */
export const SERVICE_RESTART = 1012;

interface AttachedReader {
  reader: DeskReader;
  kioskId: number;
}

export const BODY_LIMIT = 64 * 1024;

// Whatever a log line holds, these never reach it.
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.token',
  '*.kioskSecret',
  '*.accessToken',
  '*.secret',
  '*.key',
  '*.pin',
];

/** The factory every entry point calls: tests, `tapin serve`, the benchmark and the Electron main process. */
export async function buildServer(config: ServerConfig, options: BuildOptions = {}): Promise<TapinServer> {
  const { db, storage, bus, startUpkeep } = await openServerDatabase(config.dbPath, { poolSize: config.dbPoolSize });
  let listeningUrl: string | undefined;
  const scheme = config.tls ? 'https' : 'http';
  const deps: Deps = {
    db,
    clock: options.clock ?? systemClock,
    bus: options.bus ?? bus,
    config,
    publicUrl: () => config.publicUrl ?? listeningUrl ?? publicUrlFor(config.host, config.port, scheme),
  };
  const services = createServices(deps);

  const logStream = options.logStream ?? (config.logLevel === 'silent' ? undefined : asyncStdout());
  const limits = config.httpLimits;
  const httpOptions = {
    // Node times nothing at all when the headers may take longer than the whole request.
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    connectionsCheckingInterval: timeoutCheckInterval(limits),
    // A missing Host is refused by installHostRequired, in the API's error shape.
    requireHostHeader: false,
  };
  // The files were checked when the configuration was resolved; read them afresh at each start.
  const tls = config.tls && { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) };
  const app = Fastify({
    logger: logStream ? { level: config.logLevel, redact: { paths: REDACTED, censor: '[redacted]' }, stream: logStream } : false,
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT,
    // Closing drains: idle connections go at once, requests in flight are answered (DRAIN_MS at most).
    forceCloseConnections: 'idle',
    // A request reaching a draining instance on a kept-alive connection (nginx's to its upstreams) is
    // served rather than answered 503: a load balancer does not retry a POST it has sent.
    return503OnClosing: false,
    // Slow clients are cut (a WebSocket, once upgraded, is no longer timed by the HTTP server).
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: httpOptions,
    // Node's HTTPS server takes the HTTP server's options along with the certificate; a TLS handshake
    // gets no longer than the headers would (Node's default is two minutes).
    ...(tls ? { https: { ...httpOptions, ...tls, handshakeTimeout: limits.headersTimeoutMs } } : {}),
    // request.ip comes from X-Forwarded-For only when a trusted proxy sent it.
    ...(config.trustProxy?.length ? { trustProxy: config.trustProxy } : {}),
    clientErrorHandler: answerClientError,
    // URLs the router cannot even decode still get the API's error shape.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).code(400).send({ error: { code: 'INVALID_REQUEST', message: error.message } });
    },
    // Mistyped fields are errors, not something to coerce into shape.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const uncapped = options.uncappedAddress ?? isLoopbackAddress;
  // A trusted proxy carries many clients over its connections: they are counted by request.ip instead, in the rate limits.
  const trustedProxy = config.trustProxy?.length ? trustedProxyMatcher(config.trustProxy) : undefined;
  const drain = trackSockets(app.server);
  // While draining, every answer closes its connection: the client's next request opens one elsewhere.
  // A callback hook, not an async one: no promise per answer on the hot path for a flag read.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (drain.closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  capConnectionsPerAddress(app.server, {
    max: limits.connectionsPerAddress,
    uncapped: trustedProxy ? (address) => uncapped(address) || trustedProxy(address) : uncapped,
    log: app.log,
    answerRefusals: !tls,
  });

  storage.log = app.log;
  const stopUpkeep = startUpkeep(app.log);

  let cleanup: CleanupScheduler | undefined;
  let stopHeartbeat: (() => void) | undefined;
  let attached: AttachedReader | undefined;
  app.addHook('onReady', async () => {
    stopHeartbeat = startHeartbeat(app.websocketServer);
    if (options.cleanupSchedule !== false) cleanup = scheduleCleanup(deps, app.log);
  });
  app.addHook('onClose', async () => {
    await attached?.reader.stop();
    stopHeartbeat?.();
    await cleanup?.stop();
    services.loginSessions.stop();
    // Writes when the kiosks still connected were last seen, so before the database closes.
    await services.kiosks.stop();
    await db.destroy();
    await stopUpkeep();
    if (logStream) flushLog(logStream);
  });

  try {
    await registerRoutes(app, deps, services, storage, options, () => attached, drain);
    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }

  async function close(): Promise<void> {
    const cut = setTimeout(() => {
      app.server.closeAllConnections();
      drain.destroyAll();
    }, DRAIN_MS);
    cut.unref();
    try {
      await app.close();
    } finally {
      clearTimeout(cut);
    }
  }

  return {
    app,
    services,
    deps,
    storage,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      listeningUrl = publicUrlFor(config.host, port, scheme);
      return `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    },
    attachDeskReader(kioskId, readerOptions = {}) {
      if (attached) throw new Error('a desk reader is already attached');
      const reader = startDeskReader({ ...readerOptions, onTap: tapsAtKiosk(deps, services, kioskId), log: app.log });
      attached = { reader, kioskId };
      // The kiosk screen shows its reader's state; tell it of every change.
      reader.events.on('state', (state) => deps.bus.publish(kioskChannel(kioskId), { type: 'reader', state }));
      return reader;
    },
    async drain(graceMs = DRAIN_GRACE_MS) {
      drain.startClosing();
      await new Promise((resolve) => setTimeout(resolve, graceMs));
      await close();
    },
    close,
  };
}

async function registerRoutes(
  app: FastifyInstance,
  deps: Deps,
  services: Services,
  storage: StorageMonitor,
  options: BuildOptions,
  attachedReader: () => AttachedReader | undefined,
  drain: ReturnType<typeof trackSockets>,
): Promise<void> {
  const { config, db } = deps;
  installErrorHandling(app);
  installUpgradeRefusalClose(app);
  if (isLoopbackHost(config.host) || options.phoneOnlyOffLoopback) {
    // The public URL is settled once the server listens; parse it once per value, not per request.
    let seen = '';
    let hosts: string[] = [];
    installHostGuard(app, () => {
      const url = deps.publicUrl();
      if (url !== seen) [seen, hosts] = [url, [new URL(url).hostname.toLowerCase()]];
      return hosts;
    });
  }
  if (options.phoneOnlyOffLoopback) {
    installPhoneOnlyOffLoopback(app, typeof options.phoneOnlyOffLoopback === 'function' ? options.phoneOnlyOffLoopback : undefined);
  }
  installSecurityHeaders(app);
  installHostRequired(app);
  installJsonBodyLimits(app);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new AppError('RATE_LIMITED', `too many requests from this address; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });
  // The OpenAPI document of every route, built from the same schemas that validate them.
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'TapIn API',
        version: packageJson.version,
        description: 'Kiosk login with a QR code and an NFC badge. The stable contract is API.md; this document lists every route, extensions included.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(websocket, {
    options: { maxPayload: 4096 },
    // Every screen is told the server is restarting (1012), not merely that it went away; a screen
    // reconnecting while the server closes is turned away at once rather than upgraded.
    preClose(done) {
      drain.startClosing();
      const clients = [...this.websocketServer.clients];
      for (const client of clients) client.close(SERVICE_RESTART, 'TapIn is restarting');
      // A peer that does not answer the close handshake (a machine gone) does not hold the shutdown up.
      setTimeout(() => {
        for (const client of clients) client.terminate();
      }, 1_000).unref();
      this.websocketServer.close();
      done();
    },
  });

  await app.register(
    async (api) => {
      await api.register(loginSessionRoutes, { services, rateLimit: config.rateLimit, sessionRateLimit: config.sessionRateLimit });
      await api.register(loginSessionEventRoutes, { services, bus: deps.bus });
      await api.register(accessRoutes, { services, deps });
      await api.register(adminRoutes, { deps, services, reader: attachedReader });
      await api.register(kioskRoutes, { services, config });
      await api.register(readerTapsRoutes, { deps, services });
      await api.register(pairingRoutes, { services, config });
      // The desk reader on this machine is one kiosk's; a kiosk elsewhere hears of its own (reader-presence.ts).
      const localReaderState = (kioskId: number) => {
        const local = attachedReader();
        return local?.kioskId === kioskId ? local.reader.state : undefined;
      };
      await api.register(kioskEventRoutes, { services, bus: deps.bus, readerState: localReaderState });
      if (config.demo) await api.register(demoRoutes, { db });
    },
    { prefix: '/api/v1' },
  );

  app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', { schema: { security: NO_BEARER, response: { 200: HealthSchema } } }, async () => {
    await sql`select 1`.execute(db);
    return { status: 'ok' as const, version: packageJson.version, uptimeSeconds: Math.round(process.uptime()) };
  });

  await app.register(readinessRoutes, { db, storage });

  await app.register(pageRoutes, { rendererDir: options.rendererDir ?? BUILT_RENDERER_DIR });
}
