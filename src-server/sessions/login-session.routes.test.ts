import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { describeEachDialect } from '../testing/dialects.ts';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';

describeEachDialect('the login session API', (freshDatabase) => {
  let t: TestServer;
  let seed: Seed;
  const clock = manualClock();

  beforeEach(async () => {
    clock.set(Date.parse('2026-03-02T08:00:00Z'));
    t = await startTestServer(await freshDatabase(), { clock });
    seed = await t.seed();
  });
  afterEach(() => t.close());

  const validate = (token: string, badge: { uid: string; secret?: string }) =>
    t.api('/api/v1/login-sessions/validate', { body: { token, badge } });

  describe('creating a login session', () => {
    it('answers 201 with a pending session whose QR payload carries the token in the fragment', async () => {
      const response = await t.api('/api/v1/login-sessions', { token: seed.kioskKey, body: {} });
      expect(response.status).toBe(201);
      const session = response.body;
      expect(session).toMatchObject({ status: 'pending', createdAt: '2026-03-02T08:00:00.000Z', expiresAt: '2026-03-02T08:05:00.000Z' });
      // The session's id (16 bytes) and a 256-bit secret.
      expect(session.token).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(session.kioskSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session.kioskSecret).not.toBe(session.token);
      expect(session.qrPayload).toBe(`${t.url}/m#t=${session.token}`);
    });

    it('accepts a request with no body at all', async () => {
      const response = await t.api('/api/v1/login-sessions', { method: 'POST', token: seed.kioskKey });
      expect(response.status).toBe(201);
    });

    it('refuses a missing or wrong kiosk key with 401 KIOSK_UNAUTHORIZED', async () => {
      for (const token of [undefined, 'tk_nope', seed.kioskKey.slice(0, -1)]) {
        const response = await t.api('/api/v1/login-sessions', { token, body: {} });
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('KIOSK_UNAUTHORIZED');
      }
    });

    it('stores only hashes of the token and the kiosk secret', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const row = await t.server.deps.db.selectFrom('login_sessions').selectAll().where('id', '=', session.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(session.token);
      expect(JSON.stringify(row)).not.toContain(session.kioskSecret);
    });
  });

  describe('reading a login session', () => {
    it('shows the kiosk its session with the kioskSecret', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const response = await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: session.id,
        status: 'pending',
        createdAt: '2026-03-02T08:00:00.000Z',
        expiresAt: '2026-03-02T08:05:00.000Z',
        authenticatedAt: null,
      });
    });

    it('answers 404 SESSION_NOT_FOUND for a wrong secret, the QR token, or an unknown id', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      for (const [id, secret] of [
        [session.id, 'wrong'],
        [session.id, session.token],
        [session.id, undefined],
        ['00000000-0000-0000-0000-000000000000', session.kioskSecret],
      ] as const) {
        const response = await t.api(`/api/v1/login-sessions/${id}`, { token: secret });
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe('SESSION_NOT_FOUND');
      }
    });

    it('reads expired as soon as expiresAt has passed, before any cleanup ran', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      clock.advance(300_000 - 1);
      expect((await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status).toBe('pending');
      clock.advance(1);
      expect((await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status).toBe('expired');
    });
  });

  describe('the phone side', () => {
    it('inspect names the kiosk about to be unlocked', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const response = await t.api('/api/v1/login-sessions/inspect', { body: { token: session.token } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'pending', expiresAt: session.expiresAt, kiosk: { name: 'Lobby kiosk', location: 'Building A' } });
    });

    it('inspect answers 404 for an unknown token', async () => {
      const response = await t.api('/api/v1/login-sessions/inspect', { body: { token: 'not-a-token' } });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('SESSION_NOT_FOUND');
    });

    it('finds nothing for a token that names a real session but does not carry its secret', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const bytes = Buffer.from(session.token, 'base64url');
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
      const forged = bytes.toString('base64url');
      const other = await createLoginSession(t, seed.kioskKey);
      // The id part of one session with the secret part of another.
      const spliced = Buffer.concat([Buffer.from(session.token, 'base64url').subarray(0, 16), Buffer.from(other.token, 'base64url').subarray(16)]).toString('base64url');
      for (const token of [forged, spliced]) {
        expect((await t.api('/api/v1/login-sessions/inspect', { body: { token } })).body.error.code).toBe('SESSION_NOT_FOUND');
        expect((await t.api('/api/v1/login-sessions/validate', { body: { token, badge: { uid: seed.user.uid } } })).body.error.code).toBe('SESSION_NOT_FOUND');
      }
      expect((await t.api('/api/v1/login-sessions/inspect', { body: { token: session.token } })).status).toBe(200);
    });

    it('validates a known badge, in any UID spelling, and the kiosk then reads authenticated', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      clock.advance(2_000);
      const response = await validate(session.token, { uid: '04:A1:b2:C3:d4:E5:f6' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'authenticated', user: { displayName: 'Grace Hopper' }, kiosk: { name: 'Lobby kiosk' } });
      const read = await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret });
      expect(read.body).toMatchObject({ status: 'authenticated', authenticatedAt: '2026-03-02T08:00:02.000Z' });
    });

    it('validates a secret badge only with its secret', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const missing = await validate(session.token, { uid: seed.secretUser.uid });
      expect(missing.status).toBe(401);
      const wrong = await validate(session.token, { uid: seed.secretUser.uid, secret: `${seed.secretUser.secret}x` });
      expect(wrong.status).toBe(401);
      const right = await validate(session.token, { uid: seed.secretUser.uid, secret: seed.secretUser.secret });
      expect(right.status).toBe(200);
      expect(right.body.user.displayName).toBe('Katherine Johnson');
    });

    it('rejects unknown and revoked badges and disabled users with one code, BADGE_REJECTED', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const revoked = await t.server.services.badges.enroll({ userId: seed.user.id, uid: '04DEADBEEF0001' });
      await t.server.services.badges.revoke(revoked.id, 'lost');
      const disabledUser = await t.server.services.users.add({ name: 'Former Employee' });
      await t.server.services.badges.enroll({ userId: disabledUser.id, uid: '04DEADBEEF0002' });
      await t.server.deps.db.updateTable('users').set({ disabled_at: clock.now() }).where('id', '=', disabledUser.id).execute();

      for (const uid of ['04FFFFFFFFFFFF', '04DEADBEEF0001', '04DEADBEEF0002']) {
        const response = await validate(session.token, { uid });
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ error: { code: 'BADGE_REJECTED', message: 'this badge cannot log in' } });
      }
      const reasons = await t.server.deps.db.selectFrom('audit_log').select('reason').where('outcome', '=', 'failure').orderBy('id').execute();
      expect(reasons.map((r) => r.reason)).toEqual(['unknown_badge', 'revoked_badge', 'user_disabled']);
    });

    it('answers 400 INVALID_REQUEST for a UID that is not hex', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const response = await validate(session.token, { uid: 'hello world' });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('INVALID_REQUEST');
    });

    it('answers 404 for an unknown token, 410 once expired, 409 once used', async () => {
      expect((await validate('nope', { uid: seed.user.uid })).body.error.code).toBe('SESSION_NOT_FOUND');

      const used = await createLoginSession(t, seed.kioskKey);
      expect((await validate(used.token, { uid: seed.user.uid })).status).toBe(200);
      const again = await validate(used.token, { uid: seed.user.uid });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('SESSION_NOT_PENDING');

      const late = await createLoginSession(t, seed.kioskKey);
      clock.advance(300_000);
      const tooLate = await validate(late.token, { uid: seed.user.uid });
      expect(tooLate.status).toBe(410);
      expect(tooLate.body.error.code).toBe('SESSION_EXPIRED');
    });

    it('burns the session after 5 rejected badges: 410 from then on, even for a good badge', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      for (let i = 0; i < 5; i++) expect((await validate(session.token, { uid: '04FFFFFFFFFFFF' })).status).toBe(401);
      const good = await validate(session.token, { uid: seed.user.uid });
      expect(good.status).toBe(410);
      expect(good.body.error.code).toBe('SESSION_EXPIRED');
      expect((await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status).toBe('expired');
    });

    it('lets exactly one of many concurrent validations of one token succeed', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const attempts = await Promise.all(
        Array.from({ length: 40 }, (_, i) => validate(session.token, { uid: i % 2 ? seed.user.uid : seed.secretUser.uid, secret: seed.secretUser.secret })),
      );
      const statuses = attempts.map((a) => a.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 409)).toBe(true);
      const wins = await t.server.deps.db.selectFrom('audit_log').select('id').where('event', '=', 'login.validate').where('outcome', '=', 'success').execute();
      expect(wins).toHaveLength(1);
    });
    it('lets exactly one validation win when all of them read the session before any writes it', async () => {
      // Started in one tick, these interleave at every await: each reads "pending" before the first update lands.
      const session = await createLoginSession(t, seed.kioskKey);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, () => t.server.services.loginSessions.validate({ token: session.token, badge: { uid: seed.user.uid }, source: 'phone' })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const codes = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code: string }).code] : []));
      expect(new Set(codes)).toEqual(new Set(['SESSION_NOT_PENDING']));
    });
  });

  describe('exchanging the session for an access token', () => {
    async function authenticated() {
      const session = await createLoginSession(t, seed.kioskKey);
      expect((await validate(session.token, { uid: seed.user.uid })).status).toBe(200);
      return session;
    }

    it('works once, then the session reads consumed and a second exchange is 409', async () => {
      const session = await authenticated();
      const first = await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} });
      expect(first.status).toBe(200);
      expect(first.body.user).toEqual({ id: seed.user.id, displayName: 'Grace Hopper', role: 'user' });
      expect(first.body.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(first.body.expiresAt).toBe('2026-03-02T16:00:00.000Z');
      const second = await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} });
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('SESSION_NOT_AUTHENTICATED');
      expect((await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status).toBe('consumed');
    });

    it('lets exactly one of concurrent exchanges win', async () => {
      const session = await authenticated();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('answers 409 while the session is still pending and 404 to a wrong secret', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      expect((await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })).status).toBe(409);
      const wrong = await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: 'nope', body: {} });
      expect(wrong.status).toBe(404);
      expect(wrong.body.error.code).toBe('SESSION_NOT_FOUND');
    });

    it('refuses the exchange and ends the session when the user was disabled after the badge', async () => {
      const session = await authenticated();
      await t.server.deps.db.updateTable('users').set({ disabled_at: clock.now() }).where('id', '=', seed.user.id).execute();
      const response = await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('SESSION_NOT_AUTHENTICATED');
      expect((await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status).toBe('expired');
      const last = await t.server.deps.db.selectFrom('audit_log').select(['event', 'outcome', 'reason']).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(last).toEqual({ event: 'login.exchange', outcome: 'failure', reason: 'user_disabled' });
    });

    it('answers 409 once an authenticated session has outlived its expiry', async () => {
      const session = await authenticated();
      clock.advance(300_000);
      expect((await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })).status).toBe(409);
    });

    it('gives an access token that /me accepts until logout, then 401', async () => {
      const session = await authenticated();
      const { accessToken } = (await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })).body;
      const me = await t.api('/api/v1/me', { token: accessToken });
      expect(me).toEqual({ status: 200, body: { user: { id: seed.user.id, displayName: 'Grace Hopper', role: 'user' } } });
      expect((await t.api('/api/v1/logout', { method: 'POST', token: accessToken })).status).toBe(204);
      const after = await t.api('/api/v1/me', { token: accessToken });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('UNAUTHENTICATED');
      expect((await t.api('/api/v1/logout', { method: 'POST', token: accessToken })).status).toBe(401);
    });

    it('refuses an access token past its lifetime', async () => {
      const session = await authenticated();
      const { accessToken } = (await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })).body;
      clock.advance(8 * 3600 * 1000);
      expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(401);
    });
  });

  describe('the audit log', () => {
    it('records validation, exchange and logout with the client address and nothing secret', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      await validate(session.token, { uid: seed.secretUser.uid, secret: 'wrong' });
      await validate(session.token, { uid: seed.secretUser.uid, secret: seed.secretUser.secret });
      const { accessToken } = (await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })).body;
      await t.api('/api/v1/logout', { method: 'POST', token: accessToken });

      const rows = await t.server.deps.db.selectFrom('audit_log').selectAll().where('source', '!=', 'cli').orderBy('id').execute();
      expect(rows.map((r) => [r.event, r.outcome, r.reason, r.source])).toEqual([
        ['login.validate', 'failure', 'wrong_secret', 'phone'],
        ['login.validate', 'success', null, 'phone'],
        ['login.exchange', 'success', null, 'kiosk'],
        ['logout', 'success', null, 'kiosk'],
      ]);
      expect(rows.every((r) => r.kiosk_id === seed.kioskId && r.client_address === '127.0.0.1')).toBe(true);
      expect(rows[1]).toMatchObject({ user_id: seed.secretUser.id, badge_uid: seed.secretUser.uid, login_session_id: session.id });
      const dump = JSON.stringify(rows);
      for (const secret of [session.token, session.kioskSecret, accessToken, seed.secretUser.secret]) expect(dump).not.toContain(secret);
    });
  });
});
