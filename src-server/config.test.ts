import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, resolveServeConfig } from './config.ts';

describe('resolveServeConfig', () => {
  it('uses the defaults of API.md when nothing is given', () => {
    expect(resolveServeConfig({}, {})).toEqual(defaultConfig);
    expect(defaultConfig).toMatchObject({ host: '127.0.0.1', port: 8787, sessionTtlSeconds: 300, dbPath: './data/tapin.sqlite' });
  });

  it('takes the environment over the defaults and flags over the environment', () => {
    const env = { HOST: '0.0.0.0', PORT: '9000', PUBLIC_URL: 'https://kiosk.example.org/', SESSION_TTL_SECONDS: '120', TAPIN_DB: '/var/lib/tapin.db' };
    expect(resolveServeConfig({}, env)).toMatchObject({ host: '0.0.0.0', port: 9000, publicUrl: 'https://kiosk.example.org', sessionTtlSeconds: 120, dbPath: '/var/lib/tapin.db' });
    expect(resolveServeConfig({ port: '9100', 'session-ttl': '60', db: 'x.db' }, env)).toMatchObject({ port: 9100, sessionTtlSeconds: 60, dbPath: 'x.db' });
  });

  it.each([
    [{ port: '-1' }, /--port must be a whole number/],
    [{ port: '8080.5' }, /--port must be a whole number/],
    [{ 'public-url': 'not a url' }, /--public-url must be an absolute/],
    [{ 'public-url': 'https://x.org/?a=1' }, /must not carry a query/],
    [{ 'log-level': 'loud' }, /--log-level must be one of/],
    [{ 'rate-limit': '0' }, /--rate-limit must be between 1/],
    [{ host: 'bad host' }, /--host must be a host name/],
  ])('refuses %j', (flags, message) => {
    expect(() => resolveServeConfig(flags, {})).toThrow(ConfigError);
    expect(() => resolveServeConfig(flags, {})).toThrow(message);
  });
});
