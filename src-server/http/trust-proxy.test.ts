import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.ts';
import { startLoggedServer, type LoggedServer } from '../testing/logged-server.ts';
import { trustedProxyMatcher } from './trust-proxy.ts';

// Second loopback addresses play machines on the LAN: 127.0.0.2 is the reverse proxy, 127.0.0.3 a
// client that talks to the server directly. 127.0.0.1 is this machine (the kiosk).
const PROXY = '127.0.0.2';
const DIRECT = '127.0.0.3';

const listen = startLoggedServer;

interface Sent {
  from: string;
  path: string;
  body?: unknown;
  forwardedFor?: string;
  token?: string;
}

/** One request over a fresh connection from `from`, as a client (or a proxy) on that address sends it. */
function send(port: number, { from, path, body, forwardedFor, token }: Sent): Promise<{ status: number; body: { error?: { code: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
    if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const req = request({ host: '127.0.0.1', port, localAddress: from, method: 'POST', path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error?: { code: string } } }));
    });
    req.once('error', reject);
    req.end(JSON.stringify(body ?? {}));
  });
}

const inspect = (port: number, from: string, forwardedFor?: string) => send(port, { from, path: '/api/v1/login-sessions/inspect', body: { token: 'no-such-token' }, forwardedFor });

describe('behind a trusted reverse proxy', () => {
  let t: LoggedServer;
  // Three phone requests a minute per client address and endpoint: small enough to see who counts as whom.
  beforeAll(async () => {
    t = await listen({ rateLimit: { max: 3, windowMs: 60_000 }, trustProxy: [PROXY] });
  });
  afterAll(() => t.close());

  it('counts each client named in X-Forwarded-For by the proxy as its own address', async () => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await inspect(t.port, PROXY, '198.51.100.1')).status);
    expect(first).toEqual([404, 404, 404, 429]);
    // Another phone behind the same proxy is not held back by the first.
    expect((await inspect(t.port, PROXY, '198.51.100.2')).status).toBe(404);
    // A client cannot slip past by prepending an address: the proxy appends the one it saw.
    expect((await inspect(t.port, PROXY, '203.0.113.9, 198.51.100.1')).status).toBe(429);
    const refusals = t.log.filter((line) => line.statusCode === 429);
    expect(refusals.map((line) => line.client)).toEqual(['198.51.100.1', '198.51.100.1']);
  });

  it('ignores X-Forwarded-For from an address it does not trust', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await inspect(t.port, DIRECT, `198.51.100.${10 + i}`)).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    expect(t.log.filter((line) => line.statusCode === 429).at(-1)).toMatchObject({ client: DIRECT });
  });

  it('records the client, not the proxy, in the audit log of a sign-in', async () => {
    const { kiosks, users, badges } = t.server.services;
    const kiosk = await kiosks.register({ name: 'Gate' });
    const user = await users.add({ name: 'Ada Lovelace' });
    const badge = await badges.enroll({ userId: user.id, uid: '04A1B2C3D4E5F6' });
    const addresses: string[] = [];
    for (const [from, forwardedFor] of [
      [PROXY, '198.51.100.77'],
      ['127.0.0.4', '198.51.100.78'],
    ] as const) {
      const created = await send(t.port, { from: '127.0.0.1', path: '/api/v1/login-sessions', token: kiosk.key });
      expect(created.status).toBe(201);
      const validated = await send(t.port, { from, forwardedFor, path: '/api/v1/login-sessions/validate', body: { token: created.body.token, badge: { uid: badge.uid } } });
      expect(validated.status).toBe(200);
      const row = await t.server.deps.db
        .selectFrom('audit_log')
        .select('client_address')
        .where('event', '=', 'login.validate')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      addresses.push(row.client_address ?? '');
    }
    expect(addresses).toEqual(['198.51.100.77', '127.0.0.4']);
  });
});

describe('the per-address connection cap and a trusted proxy', () => {
  const cap = 4;
  let t: LoggedServer;
  beforeAll(async () => {
    t = await listen(
      { trustProxy: [`${PROXY}/32`], httpLimits: { ...defaultConfig.httpLimits, connectionsPerAddress: cap } },
      { uncappedAddress: (address) => address === '127.0.0.1' },
    );
  });
  afterAll(() => t.close());

  /** Opens `count` connections from `from`, holds them all open, then asks /healthz on each: the statuses, or "closed". */
  async function heldTogether(from: string, count: number): Promise<string[]> {
    const connections = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<{ socket: Socket; status: Promise<string> }>((resolve, reject) => {
            const socket = connect({ host: '127.0.0.1', port: t.port, localAddress: from });
            let text = '';
            socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
            const status = new Promise<string>((settle) => socket.once('close', () => settle(text.split(' ')[1] ?? 'closed')));
            socket.once('connect', () => {
              socket.on('error', () => undefined);
              resolve({ socket, status });
            });
            socket.once('error', reject);
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const { socket } of connections) if (!socket.destroyed) socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    return Promise.all(connections.map(({ status }) => status));
  }

  it('does not count the proxy: its connections carry many clients', async () => {
    expect(await heldTogether(PROXY, 4 * cap)).toEqual(Array.from({ length: 4 * cap }, () => '200'));
  });

  it('still caps an address it does not trust', async () => {
    const statuses = await heldTogether(DIRECT, cap + 2);
    expect(statuses.filter((status) => status === '200')).toHaveLength(cap);
    expect(statuses.filter((status) => status === '429')).toHaveLength(2);
  });
});

describe('trustedProxyMatcher', () => {
  it('matches addresses and ranges of both families, and IPv4 seen as IPv4-mapped IPv6', () => {
    const trusted = trustedProxyMatcher(['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
    expect(['10.0.0.5', '::ffff:10.0.0.5', '192.168.44.1', 'fd12::1'].map(trusted)).toEqual([true, true, true, true]);
    expect(['10.0.0.6', '192.169.0.1', 'fe80::1', '127.0.0.1'].map(trusted)).toEqual([false, false, false, false]);
  });
});
