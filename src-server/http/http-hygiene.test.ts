import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';

let t: TestServer;
let seed: Seed;
let session: Awaited<ReturnType<typeof createLoginSession>>;

beforeAll(async () => {
  t = await startTestServer();
  seed = await t.seed();
  session = await createLoginSession(t, seed.kioskKey);
});
afterAll(() => t.close());

describe('HTTP hygiene', () => {
  it('answers malformed JSON with 400 INVALID_REQUEST', async () => {
    const response = await t.api('/api/v1/login-sessions/validate', { rawBody: '{"token": ' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_REQUEST');
  });

  it('answers a mistyped field with 400 rather than coercing it', async () => {
    const response = await t.api('/api/v1/login-sessions/validate', { body: { token: 12345, badge: { uid: 4660 } } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_REQUEST');
  });

  it('answers a body over 64 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await t.api('/api/v1/login-sessions/inspect', { body: { token: 'x'.repeat(70_000) } });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 in the same error shape', async () => {
    expect(await t.api('/api/v1/nothing-here')).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route GET /api/v1/nothing-here' } } });
  });

  it('sends the security headers on every answer: API, page, unknown route, refused request', async () => {
    const answers = [
      await fetch(`${t.url}/healthz`),
      await fetch(`${t.url}/m`),
      await fetch(`${t.url}/api/v1/nothing-here`),
      await fetch(`${t.url}/api/v1/login-sessions/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
    ];
    expect(answers.map((response) => response.status)).toEqual([200, 200, 404, 400]);
    for (const response of answers) {
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';font-src 'self';object-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    }
  });
});

describe('the OpenAPI document at /api/docs', () => {
  it('lists the API, not the pages, and tells truly which routes need a bearer token', async () => {
    const doc = (await t.api('/api/docs')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    expect(Object.keys(doc.paths)).not.toContain('/m');
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
    const publicRoutes = routes.filter((route) => route.operation.security?.length === 0).map((route) => `${route.method} ${route.path}`);
    expect(publicRoutes.sort()).toEqual([
      'get /api/v1/kiosk/events',
      'get /api/v1/login-sessions/{id}/events',
      'get /healthz',
      'get /readyz',
      'post /api/v1/kiosk-pairings',
      'post /api/v1/login-sessions/inspect',
      'post /api/v1/login-sessions/validate',
    ]);
    // Without a token, a bearer route never answers with data, and a public route never asks for one.
    for (const { path, method, operation } of routes) {
      const response = await t.api(path.replace('{id}', session.id), { method: method.toUpperCase(), body: method === 'get' || method === 'delete' ? undefined : {} });
      if (operation.security?.length === 0) expect(response.status, `${method} ${path}`).not.toBe(401);
      else expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('rate limiting of the phone endpoints', () => {
  it('answers 429 RATE_LIMITED past the limit for one client address', async () => {
    const limited = await startTestServer({ rateLimit: { max: 3, windowMs: 60_000 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.api('/api/v1/login-sessions/validate', { body: { token: 'x', badge: { uid: '04A1B2C3' } } })).status);
      expect(statuses).toEqual([404, 404, 404, 429]);
      const last = await limited.api('/api/v1/login-sessions/inspect', { body: { token: 'x' } });
      expect(last.status).toBe(404);
      const blocked = await limited.api('/api/v1/login-sessions/validate', { body: { token: 'x', badge: { uid: '04A1B2C3' } } });
      expect(blocked.body.error.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

// Whatever a client sends, the answer is never a 5xx.
describe('junk input never yields a 5xx', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const text = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }));
  const body = fc.oneof(
    json.map((v) => JSON.stringify(v)),
    text,
    fc.record({ token: fc.oneof(fc.string(), json), badge: fc.oneof(json, fc.record({ uid: fc.oneof(fc.string(), json), secret: fc.oneof(fc.string(), json) })) }).map((v) => JSON.stringify(v)),
  );
  const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', '');
  const authorization = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`), fc.string({ maxLength: 60 }));
  const idSegment = fc.oneof(fc.uuid(), fc.string({ maxLength: 80 }).map(encodeURIComponent), fc.constant('%'), fc.constant('..'));

  const routes = (id: string) => [
    ['POST', '/api/v1/login-sessions'],
    ['GET', `/api/v1/login-sessions/${id}`],
    ['POST', `/api/v1/login-sessions/${id}/exchange`],
    ['GET', `/api/v1/login-sessions/${id}/events`],
    ['POST', '/api/v1/login-sessions/inspect'],
    ['POST', '/api/v1/login-sessions/validate'],
    ['GET', '/api/v1/me'],
    ['POST', '/api/v1/logout'],
    ['GET', '/healthz'],
  ] as const;

  it('for every route, method, body, content type and credential', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 8 }), idSegment, body, contentType, authorization, async (which, id, payload, type, auth) => {
        const [method, path] = routes(id)[which] ?? routes(id)[0];
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (auth !== undefined) headers.authorization = auth.replace(/[^\t\x20-\x7e]/g, '');
        let response: Response;
        try {
          response = await fetch(`${t.url}${path}`, { method, headers, body: method === 'POST' ? payload : undefined });
        } catch (error) {
          // fetch itself refuses some header values before sending; that is the client, not us.
          if (error instanceof TypeError) return;
          throw error;
        }
        const text = await response.text();
        expect(response.status, `${method} ${path} → ${response.status} ${text}`).toBeLessThan(500);
        if (response.status >= 400) expect(JSON.parse(text)).toMatchObject({ error: { code: expect.stringMatching(/^[A-Z_]+$/) } });
      }),
      { numRuns: 600 },
    );
  });

  it('for validations that name a real session with junk badges', async () => {
    await fc.assert(
      fc.asyncProperty(json, fc.oneof(fc.string(), json), async (uid, secret) => {
        const response = await fetch(`${t.url}/api/v1/login-sessions/validate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: session.token, badge: { uid, secret } }),
        });
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});

describe('DNS rebinding', () => {
  const get = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      // node:http, because fetch will not let a caller set Host.
      const url = new URL(`${t.url}/healthz`);
      import('node:http').then(({ request }) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      }, reject);
    });

  it('answers its loopback names and refuses any other Host or Origin', async () => {
    const port = new URL(t.url).port;
    expect(await get({ host: `127.0.0.1:${port}` })).toBe(200);
    expect(await get({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(200);
    expect(await get({ host: `attacker.example:${port}` })).toBe(403);
    expect(await get({ host: `127.0.0.1:${port}`, origin: 'http://attacker.example' })).toBe(403);
  });
});
