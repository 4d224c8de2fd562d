import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, resolveServeConfig } from './config.ts';
import { opensslMissing, selfSignedCertificate } from './testing/self-signed.ts';

describe('resolveServeConfig', () => {
  it('uses the defaults of API.md when nothing is given', () => {
    expect(resolveServeConfig({}, {})).toEqual(defaultConfig);
    expect(defaultConfig).toMatchObject({ host: '127.0.0.1', port: 8787, sessionTtlSeconds: 300, dbPath: './data/tapin.sqlite' });
  });

  it('takes the environment over the defaults and flags over the environment', () => {
    const env = { HOST: '0.0.0.0', PORT: '9000', PUBLIC_URL: 'https://kiosk.example.org/', SESSION_TTL_SECONDS: '120', TAPIN_DB: '/var/lib/tapin.db' };
    expect(resolveServeConfig({}, env)).toMatchObject({ host: '0.0.0.0', port: 9000, publicUrl: 'https://kiosk.example.org', sessionTtlSeconds: 120, dbPath: '/var/lib/tapin.db' });
    expect(resolveServeConfig({ port: '9100', 'session-ttl': '60', db: 'x.db' }, env)).toMatchObject({ port: 9100, sessionTtlSeconds: 60, dbPath: 'x.db' });
    expect(resolveServeConfig({ 'db-pool': '25' }, { TAPIN_DB: 'postgres://tapin@db/site', TAPIN_DB_POOL: '5' })).toMatchObject({ dbPath: 'postgres://tapin@db/site', dbPoolSize: 25 });
  });

  it.each([
    [{ port: '-1' }, /--port must be a whole number/],
    [{ port: '8080.5' }, /--port must be a whole number/],
    [{ 'public-url': 'not a url' }, /--public-url must be an absolute/],
    [{ 'public-url': 'https://x.org/?a=1' }, /must not carry a query/],
    [{ 'log-level': 'loud' }, /--log-level must be one of/],
    [{ 'rate-limit': '0' }, /--rate-limit must be between 1/],
    [{ 'db-pool': '0' }, /--db-pool must be between 1/],
    [{ host: 'bad host' }, /--host must be a host name/],
    [{ 'trust-proxy': '10.0.0.1, proxy.example' }, /--trust-proxy must list IP addresses or CIDR ranges .* got "proxy.example"/],
    [{ 'trust-proxy': '10.0.0.0/33' }, /got "10.0.0.0\/33"/],
    [{ 'trust-proxy': 'fd00::/129' }, /got "fd00::\/129"/],
    [{ 'trust-proxy': '10.0.0.0/8/1' }, /got "10.0.0.0\/8\/1"/],
    [{ 'trust-proxy': '10.0.0.0/x' }, /got "10.0.0.0\/x"/],
    [{ 'trust-proxy': ' , ' }, /--trust-proxy must list IP addresses/],
    [{ 'tls-cert': '/etc/hostname' }, /--tls-cert needs --tls-key too/],
    [{ 'tls-key': '/etc/hostname' }, /--tls-key needs --tls-cert too/],
    [{ 'tls-cert': '/no/such/cert.pem', 'tls-key': '/no/such/key.pem' }, /--tls-cert cannot be read: ENOENT "\/no\/such\/cert.pem"/],
  ])('refuses %j', (flags, message) => {
    expect(() => resolveServeConfig(flags, {})).toThrow(ConfigError);
    expect(() => resolveServeConfig(flags, {})).toThrow(message);
  });
});

describe('--trust-proxy', () => {
  it('is off unless given: X-Forwarded-For is nobody\'s word by default', () => {
    expect(resolveServeConfig({}, {}).trustProxy).toBeUndefined();
  });

  it('takes addresses and CIDR ranges of both families, from the flag over TAPIN_TRUST_PROXY', () => {
    const env = { TAPIN_TRUST_PROXY: '192.0.2.10' };
    expect(resolveServeConfig({}, env).trustProxy).toEqual(['192.0.2.10']);
    expect(resolveServeConfig({ 'trust-proxy': ' 10.0.0.5, 10.1.0.0/16,fd00::/8 , ::1' }, env).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8', '::1']);
  });
});

describe('rate limits', () => {
  it('are generous per address (a site behind one NAT) and tight per login session', () => {
    const config = resolveServeConfig({}, {});
    expect(config.rateLimit).toEqual({ max: 600, windowMs: 60_000 });
    expect(config.sessionRateLimit).toBe(60);
    expect(resolveServeConfig({ 'rate-limit': '1000000' }, {}).rateLimit.max).toBe(1_000_000);
  });
});

describe.skipIf(opensslMissing)('--tls-cert and --tls-key', () => {
  let dir: string;
  let pair: { certPath: string; keyPath: string };
  let other: { certPath: string; keyPath: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tapin-tls-config-'));
    pair = selfSignedCertificate(join(dir, 'a'));
    other = selfSignedCertificate(join(dir, 'b'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a certificate and its key, from the flags over TAPIN_TLS_CERT and TAPIN_TLS_KEY', () => {
    expect(resolveServeConfig({}, {}).tls).toBeUndefined();
    const env = { TAPIN_TLS_CERT: other.certPath, TAPIN_TLS_KEY: other.keyPath };
    expect(resolveServeConfig({}, env).tls).toEqual(other);
    expect(resolveServeConfig({ 'tls-cert': pair.certPath, 'tls-key': pair.keyPath }, env).tls).toEqual(pair);
  });

  it('refuses a key that is not the certificate\'s', () => {
    expect(() => resolveServeConfig({ 'tls-cert': pair.certPath, 'tls-key': other.keyPath }, {})).toThrow(/--tls-key is not the private key of the certificate in --tls-cert/);
  });

  it('refuses files that are not PEM, naming the flag', () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => resolveServeConfig({ 'tls-cert': junk, 'tls-key': pair.keyPath }, {})).toThrow(/--tls-cert must be a PEM certificate/);
    expect(() => resolveServeConfig({ 'tls-cert': pair.certPath, 'tls-key': junk }, {})).toThrow(/--tls-key must be a PEM private key/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a key file it may not read', () => {
    const locked = join(dir, 'locked.pem');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    expect(() => resolveServeConfig({}, { TAPIN_TLS_CERT: pair.certPath, TAPIN_TLS_KEY: locked })).toThrow(/TAPIN_TLS_KEY cannot be read: EACCES/);
  });
});
