import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { validate as isValidCron } from 'node-cron';

/**
 * A whole site's phones often share one NAT address: the per-address limit is only a flood guard, and
 * what a login needs is limited per login session and per kiosk.
 */
export interface RateLimitConfig {
  /** Requests one client address may make to one phone endpoint per window; also login sessions one kiosk key may create per window. */
  max: number;
  windowMs: number;
}

/** Serve HTTPS directly (phones need it for Web NFC): PEM files, read when the server is built. */
export interface TlsConfig {
  certPath: string;
  keyPath: string;
}

/** What one client may hold of the server: time to send a request, idle keep-alive, open connections. */
export interface HttpLimitsConfig {
  /** Time to send a request's headers, from its first byte (or from connecting); at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /** Time to send a whole request, headers and body; a WebSocket, once upgraded, is not timed. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection waits for its next request (Node adds a second of grace). */
  keepAliveTimeoutMs: number;
  /** Connections one remote address may hold open at once; loopback (this machine) is not counted. */
  connectionsPerAddress: number;
}

export interface ServerConfig {
  /** A SQLite file's path, or a `postgres://` URL. */
  dbPath: string;
  /** PostgreSQL: connections this instance keeps in its pool (`--db-pool`). */
  dbPoolSize?: number;
  host: string;
  port: number;
  /** Base URL phones reach the server at; derived from the listening address when absent. */
  publicUrl?: string;
  sessionTtlSeconds: number;
  accessTtlSeconds: number;
  /** How long expired or finished sessions are kept before the cleanup job deletes them. */
  retentionSeconds: number;
  /** How long audit rows are kept; older ones are pruned from the start of the log, behind a checkpoint. */
  auditRetentionDays: number;
  cleanupCron: string;
  cleanupBatchSize: number;
  rateLimit: RateLimitConfig;
  /** Calls to one phone endpoint about one login session per rate-limit window, from any address (the 5-bad-badges burn comes on top). */
  sessionRateLimit: number;
  demo: boolean;
  logLevel: string;
  /** Inactivity after which a kiosk dashboard locks itself (the last 30 s show a warning). */
  idleLockSeconds: number;
  httpLimits: HttpLimitsConfig;
  /**
   * Reverse proxies (addresses or CIDRs) whose `X-Forwarded-For` names the client; from anyone else it
   * is ignored. A trusted proxy's own connections are not counted by the per-address connection cap.
   */
  trustProxy?: string[];
  tls?: TlsConfig;
}

export const defaultConfig: ServerConfig = {
  dbPath: './data/tapin.sqlite',
  host: '127.0.0.1',
  port: 8787,
  sessionTtlSeconds: 300,
  accessTtlSeconds: 8 * 3600,
  retentionSeconds: 24 * 3600,
  auditRetentionDays: 365,
  cleanupCron: '* * * * *',
  cleanupBatchSize: 500,
  // 600 a minute per address and endpoint lets 200 phones behind one NAT sign in within a minute of a shift
  // change, retries included, with room to spare; 60 a minute per session is far past what one phone asks.
  rateLimit: { max: 600, windowMs: 60_000 },
  sessionRateLimit: 60,
  demo: false,
  logLevel: 'info',
  idleLockSeconds: 120,
  // Keep-alive well short of Fastify's 72 s: on a LAN full of phones, idle sockets hold file descriptors.
  httpLimits: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 15_000, connectionsPerAddress: 64 },
};

/** A configuration value that cannot be used; the CLI prints its message and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseInteger(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function parsePublicUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must use http or https, got "${raw}"`);
  }
  if (url.search || url.hash) throw new ConfigError(`${name} must not carry a query or fragment, got "${raw}"`);
  return url.href.replace(/\/+$/, '');
}

/** The serve options as given on the command line (strings) or in the environment. */
export interface ServeInput {
  db?: string;
  host?: string;
  port?: string;
  'public-url'?: string;
  'session-ttl'?: string;
  'access-ttl'?: string;
  retention?: string;
  'audit-retention'?: string;
  'cleanup-cron'?: string;
  'rate-limit'?: string;
  'log-level'?: string;
  'idle-lock'?: string;
  'trust-proxy'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'db-pool'?: string;
  demo?: boolean;
}

/** Flags win over the environment, which wins over the defaults. Throws ConfigError on any bad value. */
export function resolveServeConfig(flags: ServeInput, env: NodeJS.ProcessEnv): ServerConfig {
  const pick = (flag: keyof ServeInput, envName: string): [string, string] | undefined => {
    const fromFlag = flags[flag];
    if (typeof fromFlag === 'string') return [`--${flag}`, fromFlag];
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return [envName, fromEnv];
    return undefined;
  };
  const config: ServerConfig = { ...defaultConfig, rateLimit: { ...defaultConfig.rateLimit }, httpLimits: { ...defaultConfig.httpLimits } };

  const db = pick('db', 'TAPIN_DB');
  if (db) config.dbPath = db[1];
  const pool = pick('db-pool', 'TAPIN_DB_POOL');
  if (pool) config.dbPoolSize = parseInteger(pool[0], pool[1], 1, 500);
  const host = pick('host', 'HOST');
  if (host) {
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(host[1])) throw new ConfigError(`${host[0]} must be a host name or address, got "${host[1]}"`);
    config.host = host[1];
  }
  const port = pick('port', 'PORT');
  if (port) config.port = parseInteger(port[0], port[1], 0, 65535);
  const publicUrl = pick('public-url', 'PUBLIC_URL');
  if (publicUrl) config.publicUrl = parsePublicUrl(publicUrl[0], publicUrl[1]);
  const ttl = pick('session-ttl', 'SESSION_TTL_SECONDS');
  if (ttl) config.sessionTtlSeconds = parseInteger(ttl[0], ttl[1], 1, 24 * 3600);
  const accessTtl = pick('access-ttl', 'TAPIN_ACCESS_TTL_SECONDS');
  if (accessTtl) config.accessTtlSeconds = parseInteger(accessTtl[0], accessTtl[1], 60, 30 * 24 * 3600);
  const retention = pick('retention', 'TAPIN_RETENTION_SECONDS');
  if (retention) config.retentionSeconds = parseInteger(retention[0], retention[1], 0, 365 * 24 * 3600);
  const auditRetention = pick('audit-retention', 'TAPIN_AUDIT_RETENTION_DAYS');
  if (auditRetention) config.auditRetentionDays = parseInteger(auditRetention[0], auditRetention[1], 1, 100 * 365);
  const cron = pick('cleanup-cron', 'TAPIN_CLEANUP_CRON');
  if (cron) {
    if (!isValidCron(cron[1])) throw new ConfigError(`${cron[0]} is not a valid cron expression: "${cron[1]}"`);
    config.cleanupCron = cron[1];
  }
  const rate = pick('rate-limit', 'TAPIN_RATE_LIMIT');
  if (rate) config.rateLimit.max = parseInteger(rate[0], rate[1], 1, 1_000_000);
  const level = pick('log-level', 'TAPIN_LOG_LEVEL');
  if (level) {
    if (!LOG_LEVELS.includes(level[1])) throw new ConfigError(`${level[0]} must be one of ${LOG_LEVELS.join(', ')}, got "${level[1]}"`);
    config.logLevel = level[1];
  }
  const idle = pick('idle-lock', 'TAPIN_IDLE_LOCK_SECONDS');
  if (idle) config.idleLockSeconds = parseInteger(idle[0], idle[1], 5, 24 * 3600);
  const trustProxy = pick('trust-proxy', 'TAPIN_TRUST_PROXY');
  if (trustProxy) config.trustProxy = parseTrustProxy(trustProxy[0], trustProxy[1]);
  const cert = pick('tls-cert', 'TAPIN_TLS_CERT');
  const key = pick('tls-key', 'TAPIN_TLS_KEY');
  if (cert || key) config.tls = checkTls(cert, key);
  config.demo = flags.demo === true;
  return config;
}

/** A comma-separated list of IP addresses and CIDR ranges (`10.0.0.5, 10.1.0.0/16, fd00::/8`). */
export function parseTrustProxy(name: string, raw: string): string[] {
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new ConfigError(`${name} must list IP addresses or CIDR ranges, got "${raw}"`);
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(`${name} must list IP addresses or CIDR ranges (like 10.0.0.5 or 10.0.0.0/24), got "${entry}"`);
    }
  }
  return entries;
}

/** Both files or neither; each readable, PEM, and the key the certificate's. */
function checkTls(cert: [string, string] | undefined, key: [string, string] | undefined): TlsConfig {
  if (!cert || !key) throw new ConfigError(`${cert ? cert[0] : key?.[0]} needs ${cert ? '--tls-key' : '--tls-cert'} too: HTTPS takes a certificate and its private key`);
  const read = ([name, path]: [string, string]) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(`${name} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)} "${path}"`);
    }
  };
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(read(cert));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${cert[0]} must be a PEM certificate, got "${cert[1]}"`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(read(key));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${key[0]} must be a PEM private key without a passphrase, got "${key[1]}"`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new ConfigError(`${key[0]} is not the private key of the certificate in ${cert[0]}`);
  return { certPath: cert[1], keyPath: key[1] };
}
