import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultConfig, resolveServeConfig, type ServerConfig } from '../config.ts';
import { opensslMissing, selfSignedCertificate } from '../testing/self-signed.ts';
import { buildServer, type BuildOptions, type TapinServer } from './app.ts';

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

describe.skipIf(opensslMissing)('HTTPS served directly (--tls-cert, --tls-key)', () => {
  let dir: string;
  let ca: Buffer;
  let files: { certPath: string; keyPath: string };
  const servers: TapinServer[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tapin-tls-'));
    files = selfSignedCertificate(join(dir, 'site'));
    ca = readFileSync(files.certPath);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A server configured as `tapin serve --tls-cert … --tls-key …` would be; its URL and port. */
  async function start(overrides: Partial<ServerConfig> = {}, options: BuildOptions = {}) {
    const flags = { 'tls-cert': files.certPath, 'tls-key': files.keyPath, port: '0', 'log-level': 'silent', db: join(dir, `db-${servers.length}.sqlite`) };
    const server = await buildServer({ ...resolveServeConfig(flags, {}), ...overrides }, { cleanupSchedule: false, ...options });
    servers.push(server);
    const url = await server.listen();
    return { server, url, port: Number(new URL(url).port) };
  }

  /** A request over HTTPS that trusts only the test's certificate (checked against its name, whatever the Host header says). */
  function call(port: number, path: string, init: { host?: string; from?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...init.headers };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
      const req = request(
        { host: init.host ?? '127.0.0.1', port, path, method: init.body === undefined ? 'GET' : 'POST', headers, ca, servername: 'localhost', localAddress: init.from, agent: false },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: res.headers['content-type']?.includes('json') ? JSON.parse(text) : text }));
        },
      );
      req.once('error', reject);
      req.end(init.body === undefined ? undefined : JSON.stringify(init.body));
    });
  }

  it('listens on an https:// URL and gives phones an https:// public URL', async () => {
    const { server, url, port } = await start();
    expect(url).toBe(`https://127.0.0.1:${port}`);
    expect(server.deps.publicUrl()).toBe(`https://127.0.0.1:${port}`);
    expect(await call(port, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    // Plain HTTP on the same port gets no answer.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('signs a phone in over HTTPS, and the kiosk hears it over wss', async () => {
    const { server, url, port } = await start();
    const kiosk = await server.services.kiosks.register({ name: 'Lobby' });
    const user = await server.services.users.add({ name: 'Ada Lovelace' });
    const badge = await server.services.badges.enroll({ userId: user.id, uid: '04A1B2C3D4E5F6' });

    const created = await call(port, '/api/v1/login-sessions', { body: {}, token: kiosk.key });
    expect(created.status).toBe(201);
    expect(created.body.qrPayload).toBe(`https://127.0.0.1:${port}/m#t=${created.body.token}`);

    const socket = new WebSocket(`${url.replace(/^https/, 'wss')}/api/v1/login-sessions/${created.body.id}/events`, { ca });
    const statuses: string[] = [];
    const heard = (status: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${status}" over wss; heard ${statuses.join(', ')}`)), 5_000);
        const check = () => statuses.includes(status) && (clearTimeout(timer), resolve());
        socket.on('message', check);
        check();
      });
    socket.on('message', (data) => statuses.push((JSON.parse(String(data)) as { status: string }).status));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'auth', kioskSecret: created.body.kioskSecret }));
    await heard('pending');

    expect(await call(port, '/api/v1/login-sessions/inspect', { body: { token: created.body.token } })).toMatchObject({ status: 200, body: { kiosk: { name: 'Lobby' } } });
    const validated = await call(port, '/api/v1/login-sessions/validate', { body: { token: created.body.token, badge: { uid: badge.uid } } });
    expect(validated).toMatchObject({ status: 200, body: { status: 'authenticated', user: { displayName: 'Ada Lovelace' } } });
    await heard('authenticated');
    socket.close();
  });

  it('keeps the Host guard: a foreign Host or Origin is refused', async () => {
    const { port } = await start();
    expect(await call(port, '/healthz', { headers: { host: 'attacker.example' } })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN_HOST' } } });
    expect(await call(port, '/healthz', { headers: { origin: 'https://attacker.example' } })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN_HOST' } } });
    expect((await call(port, '/healthz', { headers: { origin: `https://127.0.0.1:${port}` } })).status).toBe(200);
  });

  it('keeps a kiosk app facing the LAN to the phone routes off loopback', async () => {
    const { port } = await start({ host: '0.0.0.0' }, { phoneOnlyOffLoopback: (address) => address === '127.0.0.1' });
    // 127.0.0.2 plays the LAN.
    expect(await call(port, '/api/v1/login-sessions/inspect', { host: '127.0.0.2', body: { token: 'x' } })).toMatchObject({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } });
    expect(await call(port, '/api/v1/login-sessions', { host: '127.0.0.2', body: {} })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call(port, '/api/v1/login-sessions', { host: '127.0.0.1', body: {} })).toMatchObject({ status: 401, body: { error: { code: 'KIOSK_UNAUTHORIZED' } } });
  });

  it('cuts a connection that never finishes its TLS handshake once the headers timeout is up', async () => {
    const headersTimeoutMs = 400;
    const { port } = await start({ httpLimits: { ...defaultConfig.httpLimits, headersTimeoutMs } });
    const started = performance.now();
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
    const closedAfter = performance.now() - started;
    expect(closedAfter).toBeGreaterThanOrEqual(headersTimeoutMs - 50);
    expect(closedAfter).toBeLessThan(headersTimeoutMs + 2_000);
  });

  it('closes a connection past the per-address cap without writing plain HTTP into a TLS socket', async () => {
    const cap = 2;
    const { port } = await start({ httpLimits: { ...defaultConfig.httpLimits, connectionsPerAddress: cap } }, { uncappedAddress: (address) => address === '127.0.0.1' });
    const open = () =>
      new Promise<{ received: () => string; closed: Promise<void>; destroy: () => void }>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        const closed = new Promise<void>((settle) => socket.once('close', () => settle()));
        socket.once('connect', () => {
          socket.on('error', () => undefined);
          resolve({ received: () => text, closed, destroy: () => socket.destroy() });
        });
        socket.once('error', reject);
      });
    const held = await Promise.all(Array.from({ length: cap }, open));
    const refused = await open();
    await refused.closed;
    expect(refused.received()).toBe('');
    for (const connection of held) connection.destroy();
  });
});
