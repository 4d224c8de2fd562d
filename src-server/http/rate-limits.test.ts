import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.ts';
import { createLoginSession, startTestServer, type TestServer } from '../testing/test-server.ts';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A POST with its answer's status, body and Retry-After header. */
async function post(server: TestServer, path: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } }, retryAfter: response.headers.get('retry-after') };
}

const expectRateLimited = (answer: Awaited<ReturnType<typeof post>>, what: RegExp) => {
  expect(answer).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED', message: expect.stringMatching(what) } } });
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
};

describe('a whole site behind one NAT address', () => {
  it('lets 200 phones inspect and sign in within a minute with the default limits', async () => {
    // The test server raises the per-address limit; this test is about the shipped one.
    t = await startTestServer({ rateLimit: defaultConfig.rateLimit, sessionRateLimit: defaultConfig.sessionRateLimit });
    const server = t;
    const seed = await server.seed();
    const statuses: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const sessions = await Promise.all(Array.from({ length: 20 }, () => createLoginSession(server, seed.kioskKey)));
      const answers = await Promise.all(
        sessions.map(async (session) => {
          const inspected = await post(server, '/api/v1/login-sessions/inspect', { token: session.token });
          const validated = await post(server, '/api/v1/login-sessions/validate', { token: session.token, badge: { uid: seed.user.uid } });
          return [inspected.status, validated.status];
        }),
      );
      statuses.push(...answers.flat());
    }
    expect(statuses).toHaveLength(400);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe('per login session', () => {
  it('limits calls about one session to sessionRateLimit a minute per endpoint, with 429 RATE_LIMITED and Retry-After', async () => {
    t = await startTestServer({ sessionRateLimit: 3 });
    const seed = await t.seed();
    const session = await createLoginSession(t, seed.kioskKey);
    const validate = (token: string) => post(t as TestServer, '/api/v1/login-sessions/validate', { token, badge: { uid: seed.user.uid } });
    expect((await validate(session.token)).status).toBe(200);
    expect((await validate(session.token)).status).toBe(409);
    expect((await validate(session.token)).status).toBe(409);
    expectRateLimited(await validate(session.token), /login session/);

    // Another session from the same address is not held back, and inspect is counted on its own.
    const other = await createLoginSession(t, seed.kioskKey);
    expect((await validate(other.token)).status).toBe(200);
    expect((await post(t, '/api/v1/login-sessions/inspect', { token: session.token })).status).toBe(200);
  });

  it('counts guesses at a session\'s secret against that session', async () => {
    t = await startTestServer({ sessionRateLimit: 3 });
    const seed = await t.seed();
    const session = await createLoginSession(t, seed.kioskKey);
    // Same session id (the token's first 16 bytes), another secret.
    const forged = Buffer.from(session.token, 'base64url').fill(0, 16).toString('base64url');
    for (let i = 0; i < 3; i++) expect((await post(t, '/api/v1/login-sessions/validate', { token: forged, badge: { uid: seed.user.uid } })).body.error?.code).toBe('SESSION_NOT_FOUND');
    expectRateLimited(await post(t, '/api/v1/login-sessions/validate', { token: session.token, badge: { uid: seed.user.uid } }), /login session/);
  });
});

describe('per kiosk', () => {
  it('limits the login sessions one kiosk key creates to --rate-limit a minute, whatever the address', async () => {
    t = await startTestServer({ rateLimit: { max: 3, windowMs: 60_000 } });
    const seed = await t.seed();
    const other = await t.server.services.kiosks.register({ name: 'Second kiosk' });
    const create = (key: string) => post(t as TestServer, '/api/v1/login-sessions', {}, key);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await create(seed.kioskKey)).status);
    expect(statuses).toEqual([201, 201, 201]);
    expectRateLimited(await create(seed.kioskKey), /kiosk/);
    // Another kiosk on the same address still creates; a wrong key is still told it is wrong.
    expect((await create(other.key)).status).toBe(201);
    expect((await create('tk_not-a-key')).body.error?.code).toBe('KIOSK_UNAUTHORIZED');
  });
});
