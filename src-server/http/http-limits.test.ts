import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type HttpLimitsConfig } from '../config.ts';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { watch } from '../testing/ws-client.ts';
import { startLoggedServer, type LoggedServer } from '../testing/logged-server.ts';
import type { BuildOptions } from './app.ts';
import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_ITEMS } from './json-body.ts';

/** A server with these HTTP limits, logging at warn. */
const listen = (httpLimits: Partial<HttpLimitsConfig>, options: BuildOptions = {}): Promise<LoggedServer> =>
  startLoggedServer({ logLevel: 'warn', httpLimits: { ...defaultConfig.httpLimits, ...httpLimits } }, options);

interface Connection {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Milliseconds from connecting until the server closed the connection; undefined if it still had not after `patienceMs`. */
  closed: Promise<number | undefined>;
}

/** A raw TCP connection to the server, from `localAddress` (127.0.0.2 plays another machine on the LAN). */
function open(port: number, { localAddress = '127.0.0.1', patienceMs = 4_000, allowHalfOpen = false } = {}): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress, allowHalfOpen });
    const started = performance.now();
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    const closed = new Promise<number | undefined>((settle) => {
      const timer = setTimeout(() => {
        settle(undefined);
        socket.destroy();
      }, patienceMs);
      socket.once('close', () => {
        clearTimeout(timer);
        settle(performance.now() - started);
      });
    });
    // A reset after the answer is the server closing; what matters is what arrived before.
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function parseAnswer(text: string): Answer | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const body = text.slice(end + 4);
  return { status: Number(statusLine.split(' ')[1]), headers, body: headers['content-type']?.includes('json') ? JSON.parse(body) : body };
}

/** Sends raw bytes on a fresh connection and returns the answer once the server has closed it. */
async function exchange(port: number, bytes: string, options: { localAddress?: string } = {}): Promise<Answer | undefined> {
  const connection = await open(port, options);
  connection.socket.write(bytes);
  await connection.closed;
  return parseAnswer(connection.received());
}

const get = (path: string, host = '127.0.0.1') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('slow and idle clients', () => {
  const limits = { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 400 };
  let t: LoggedServer;
  beforeAll(async () => {
    t = await listen(limits);
  });
  afterAll(() => t.close());

  it('cuts a body sent a byte at a time once the request timeout is up, with 408 REQUEST_TIMEOUT, while /healthz stays fast', async () => {
    const slow = await open(t.port);
    slow.socket.write('POST /api/v1/login-sessions/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const drip = setInterval(() => slow.socket.writable && slow.socket.write(' '), 100);
    const healthz: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      expect((await fetch(`http://127.0.0.1:${t.port}/healthz`)).status).toBe(200);
      healthz.push(performance.now() - started);
      await sleep(50);
    }
    const closedAfter = await slow.closed;
    clearInterval(drip);

    expect(closedAfter).toBeGreaterThanOrEqual(limits.requestTimeoutMs - 50);
    expect(closedAfter).toBeLessThan(limits.requestTimeoutMs + 2_000);
    expect(parseAnswer(slow.received())).toMatchObject({ status: 408, body: { error: { code: 'REQUEST_TIMEOUT', message: expect.any(String) } } });
    expect(Math.min(...healthz)).toBeLessThan(100);
  });

  it('cuts headers sent a byte at a time once the headers timeout is up', async () => {
    const slow = await open(t.port);
    const request = get('/healthz');
    let next = 0;
    const drip = setInterval(() => slow.socket.writable && next < request.length && slow.socket.write(request[next++] ?? ''), 50);
    const closedAfter = await slow.closed;
    clearInterval(drip);

    expect(closedAfter).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 50);
    expect(closedAfter).toBeLessThan(limits.requestTimeoutMs);
    expect(parseAnswer(slow.received())).toMatchObject({ status: 408, body: { error: { code: 'REQUEST_TIMEOUT' } } });
  });

  it('cuts a connection that never sends a byte once the headers timeout is up', async () => {
    const idle = await open(t.port);
    const closedAfter = await idle.closed;
    expect(closedAfter).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 50);
    expect(closedAfter).toBeLessThan(limits.headersTimeoutMs + 2_000);
  });

  it('closes a keep-alive connection left idle after an answer once the keep-alive timeout is up', async () => {
    const connection = await open(t.port);
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    while (!connection.received().includes('"status":"ok"')) await sleep(10);
    const answeredAt = performance.now();
    await connection.closed;
    const idleFor = performance.now() - answeredAt;
    expect(idleFor).toBeGreaterThanOrEqual(limits.keepAliveTimeoutMs - 100);
    // Node adds a second of its own (keepAliveTimeoutBuffer) before it closes.
    expect(idleFor).toBeLessThan(limits.keepAliveTimeoutMs + 1_000 + 1_500);
  });

  it('leaves an upgraded WebSocket alone: it still hears its session after every timeout has passed', async () => {
    const { kiosks, users, badges } = t.server.services;
    const kiosk = await kiosks.register({ name: 'Lobby' });
    const user = await users.add({ name: 'Ada Lovelace' });
    const badge = await badges.enroll({ userId: user.id, uid: '04A1B2C3D4E5F6' });
    const base = `http://127.0.0.1:${t.port}`;
    const json = { 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/login-sessions`, { method: 'POST', headers: { ...json, authorization: `Bearer ${kiosk.key}` }, body: '{}' });
    const session = (await created.json()) as { id: string; token: string; kioskSecret: string };
    const watcher = await watch(base, session.id, session.kioskSecret);
    await watcher.next((message) => message.status === 'pending');
    await sleep(limits.requestTimeoutMs + limits.keepAliveTimeoutMs + 1_000);

    const validated = await fetch(`${base}/api/v1/login-sessions/validate`, { method: 'POST', headers: json, body: JSON.stringify({ token: session.token, badge: { uid: badge.uid } }) });
    expect(validated.status).toBe(200);
    await watcher.next((message) => message.status === 'authenticated');
    watcher.socket.close();
  });
});

describe('connections per address', () => {
  const cap = 4;
  let t: LoggedServer;
  // 127.0.0.1 is this machine; 127.0.0.2 plays a client on the LAN.
  beforeAll(async () => {
    t = await listen({ connectionsPerAddress: cap }, { uncappedAddress: (address) => address === '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('refuses connections past the cap with 429 TOO_MANY_CONNECTIONS, warns once, and lets the address back in as they close', async () => {
    const held = await Promise.all(Array.from({ length: cap }, () => open(t.port, { localAddress: '127.0.0.2', patienceMs: 10_000 })));
    const refused = await Promise.all(Array.from({ length: 3 }, () => exchange(t.port, get('/healthz'), { localAddress: '127.0.0.2' })));
    for (const answer of refused) {
      expect(answer).toMatchObject({ status: 429, headers: { connection: 'close' }, body: { error: { code: 'TOO_MANY_CONNECTIONS', message: expect.any(String) } } });
    }
    // Another address is not held back.
    expect((await exchange(t.port, get('/healthz')))?.status).toBe(200);
    const warnings = t.log.filter((line) => line.client === '127.0.0.2');
    expect(warnings).toEqual([expect.objectContaining({ level: 40, connectionsPerAddress: cap, msg: expect.stringContaining('too many connections') })]);

    for (const connection of held) connection.socket.destroy();
    await Promise.all(held.map((connection) => connection.closed));
    expect((await exchange(t.port, get('/healthz'), { localAddress: '127.0.0.2' }))?.status).toBe(200);
  });

  it('closes at once, without an answer, past twice the cap', async () => {
    const options = { localAddress: '127.0.0.2', patienceMs: 10_000, allowHalfOpen: true };
    const held = await Promise.all(Array.from({ length: 2 * cap }, () => open(t.port, options)));
    const dropped = await open(t.port, options);
    dropped.socket.write(get('/healthz'));
    const closedAfter = await dropped.closed;
    expect(closedAfter).toBeLessThan(500);
    expect(dropped.received()).toBe('');
    for (const connection of held) connection.socket.destroy();
    await Promise.all(held.map((connection) => connection.closed));
  });

  it('does not count loopback by default: the kiosk app and the benchmark open many connections there', async () => {
    const local = await listen({ connectionsPerAddress: cap });
    try {
      const connections = await Promise.all(Array.from({ length: 6 * cap }, (_, i) => open(local.port, { localAddress: i % 2 ? '127.0.0.1' : '127.0.0.2' })));
      // Held open together before any asks: connections that ask and close at once need not ever be open together.
      await sleep(200);
      const answers = await Promise.all(
        connections.map(async (connection) => {
          connection.socket.write(get('/healthz'));
          await connection.closed;
          return parseAnswer(connection.received())?.status;
        }),
      );
      expect(answers).toEqual(Array.from({ length: 6 * cap }, () => 200));
      expect(local.log).toEqual([]);
    } finally {
      await local.close();
    }
  });
});

describe('malformed HTTP, answered in the API error shape', () => {
  let t: LoggedServer;
  beforeAll(async () => {
    t = await listen({});
  });
  afterAll(() => t.close());

  it.each([
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400, 'INVALID_REQUEST'],
    ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: 1\r\n\r\n', 400, 'INVALID_REQUEST'],
    ['a control character in a header value', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\x01b\r\n\r\n', 400, 'INVALID_REQUEST'],
    ['both Content-Length and chunked', 'POST /api/v1/login-sessions/inspect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}', 400, 'INVALID_REQUEST'],
    ['one header of 20 KiB', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['1,500 headers', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 1_500 }, (_, i) => `X-Header-${i}: value\r\n`).join('')}\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['an HTTP/1.1 request without Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'INVALID_REQUEST'],
  ])('%s', async (_name, bytes, status, code) => {
    const answer = await exchange(t.port, bytes);
    expect(answer).toMatchObject({ status, body: { error: { code, message: expect.stringMatching(/\w/) } } });
    expect(answer?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer?.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    ['without Host', '', 400],
    ['for a foreign Host', 'Host: attacker.example\r\n', 403],
  ])('closes the socket of a WebSocket upgrade refused %s: it is out of reach of the HTTP timeouts', async (_name, host, status) => {
    const connection = await open(t.port);
    connection.socket.write(
      `GET /api/v1/login-sessions/x/events HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    expect(await connection.closed).toBeLessThan(1_000);
    expect(parseAnswer(connection.received())?.status).toBe(status);
  });

  it('still answers an HTTP/1.0 request without Host, which is allowed', async () => {
    expect((await exchange(t.port, 'GET /healthz HTTP/1.0\r\n\r\n'))?.status).toBe(200);
  });
});

describe('deeply nested JSON bodies', () => {
  let t: TestServer;
  let seed: Seed;
  beforeAll(async () => {
    t = await startTestServer();
    seed = await t.seed();
  });
  afterAll(() => t.close());

  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  // A body the schema accepts around whatever sits in `extra`: an unknown token is 404 SESSION_NOT_FOUND.
  const validate = (extra: string) => t.api('/api/v1/login-sessions/validate', { rawBody: `{"token":"no-such-token","badge":{"uid":"04A1B2C3","extra":${extra}}}` });

  it('refuses 31,000 levels of nesting with 400 INVALID_REQUEST before the schema runs, quickly', async () => {
    const body = nested(31_000);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const response = await validate(body);
      times.push(performance.now() - started);
      expect(response).toEqual({ status: 400, body: { error: { code: 'INVALID_REQUEST', message: `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels` } } });
    }
    expect(Math.min(...times)).toBeLessThan(50);
  });

  it(`takes ${MAX_JSON_DEPTH} levels and refuses one more`, async () => {
    // The body itself and `badge` are two levels already.
    expect((await validate(nested(MAX_JSON_DEPTH - 2))).body.error.code).toBe('SESSION_NOT_FOUND');
    expect((await validate(nested(MAX_JSON_DEPTH - 1))).body.error.code).toBe('INVALID_REQUEST');
  });

  it(`refuses more than ${MAX_JSON_ITEMS} keys and elements`, async () => {
    const tooMany = await validate(`[${Array.from({ length: MAX_JSON_ITEMS }, () => 0).join(',')}]`);
    expect(tooMany).toEqual({ status: 400, body: { error: { code: 'INVALID_REQUEST', message: `the JSON body holds more than ${MAX_JSON_ITEMS} keys and elements` } } });
    // The four keys around it count too: with 990 elements, the whole stays under the cap.
    expect((await validate(`[${Array.from({ length: 990 }, () => 0).join(',')}]`)).body.error.code).toBe('SESSION_NOT_FOUND');
  });

  it('reads brackets, commas and escaped quotes inside strings as text', async () => {
    const text = JSON.stringify(`\\"${'[{,'.repeat(5_000)}\\\\"`);
    expect((await validate(text)).body.error.code).toBe('SESSION_NOT_FOUND');
  });

  it('counts the depth the parser sees, whatever the strings hold', () => {
    const depthOf = (value: unknown): number => (value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0);
    const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', 'a', 'é', '\n'), maxLength: 8 });
    const key = fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 8 }));
    const wrappers = fc.array(fc.oneof(fc.constant(undefined), key), { minLength: MAX_JSON_DEPTH - 8, maxLength: MAX_JSON_DEPTH + 8 });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), wrappers, (inner, around) => {
        // Each wrapper nests the value one level deeper: in an array, or under a key full of quotes and brackets.
        const value = around.reduce<unknown>((nested, key) => (key === undefined ? [nested] : { [key]: nested, [`${key}[`]: '"{' }), inner);
        const problem = jsonShapeProblem(JSON.stringify(value));
        expect(problem?.includes('nested deeper') ?? false).toBe(depthOf(value) > MAX_JSON_DEPTH);
      }),
      { numRuns: 500 },
    );
  });

  it('answers the worst body allowed quickly', async () => {
    // As deep and as many elements as allowed, and near 64 KiB.
    const deep = `${'['.repeat(MAX_JSON_DEPTH - 3)}[${Array.from({ length: MAX_JSON_ITEMS - 10 }, () => `"${'x'.repeat(60)}"`).join(',')}]${']'.repeat(MAX_JSON_DEPTH - 3)}`;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      expect((await validate(deep)).body.error.code).toBe('SESSION_NOT_FOUND');
      times.push(performance.now() - started);
    }
    expect(Math.min(...times)).toBeLessThan(50);
  });

  it('still refuses prototype poisoning, as Fastify does', async () => {
    const response = await t.api('/api/v1/login-sessions/validate', { rawBody: '{"token":"x","badge":{"uid":"04A1B2C3","__proto__":{"admin":true}}}' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_REQUEST');
  });

  it('still takes the hot paths: a login session created and validated', async () => {
    const session = await createLoginSession(t, seed.kioskKey);
    const validated = await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
    expect(validated.status).toBe(200);
    expect(validated.body.status).toBe('authenticated');
  });
});
