import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { describeEachDialect } from '../testing/dialects.ts';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { watch } from '../testing/ws-client.ts';
import { CLOCK_STEP_BACK_TOLERANCE_MS } from '../clock.ts';

describeEachDialect('login sessions and the clock', (freshDatabase) => {
  let t: TestServer;
  let seed: Seed;
  const clock = manualClock();

  beforeEach(async () => {
    clock.set(Date.parse('2026-06-01T10:00:00Z'));
    t = await startTestServer(await freshDatabase(), { clock });
    seed = await t.seed();
  });
  afterEach(() => t.close());

  const since = (start: number) => performance.now() - start;

  describe('login sessions when the wall clock jumps', () => {
    it('pushes expired within 2 s of a forward jump past expiresAt', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      clock.advance(400_000);
      const jumped = performance.now();
      await watcher.next((m) => m.status === 'expired', 3_000);
      expect(since(jumped)).toBeLessThan(2_000);
      expect((await watcher.closed).code).toBe(1000);
    });

    it('ends a session when the clock steps back past its creation: the kiosk is told, GET, inspect and validate read it expired', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      clock.advance(-4_000_000);
      const jumped = performance.now();
      await watcher.next((m) => m.status === 'expired', 3_000);
      expect(since(jumped)).toBeLessThan(2_000);

      expect((await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status).toBe('expired');
      expect((await t.api('/api/v1/login-sessions/inspect', { body: { token: session.token } })).body.status).toBe('expired');
      const validated = await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
      expect([validated.status, validated.body.error.code]).toEqual([410, 'SESSION_EXPIRED']);
      const { status } = await t.server.deps.db.selectFrom('login_sessions').select('status').where('id', '=', session.id).executeTakeFirstOrThrow();
      expect(status).toBe('expired');
    });

    it('gives the kiosk a new code that works after the clock stepped back', async () => {
      await createLoginSession(t, seed.kioskKey);
      clock.advance(-4_000_000);
      const fresh = await createLoginSession(t, seed.kioskKey);
      const validated = await t.api('/api/v1/login-sessions/validate', { body: { token: fresh.token, badge: { uid: seed.user.uid } } });
      expect(validated.status).toBe(200);
      expect((await t.api(`/api/v1/login-sessions/${fresh.id}/exchange`, { token: fresh.kioskSecret, body: {} })).status).toBe(200);
    });

    it('keeps a session through a step back of a few seconds (an NTP correction), not one past the tolerance', async () => {
      const createdAt = clock.now();
      const session = await createLoginSession(t, seed.kioskKey);
      const status = async () => (await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status;
      clock.advance(-3_000);
      expect(await status()).toBe('pending');
      clock.set(createdAt - CLOCK_STEP_BACK_TOLERANCE_MS);
      expect(await status()).toBe('pending');
      clock.set(createdAt - CLOCK_STEP_BACK_TOLERANCE_MS - 1);
      expect(await status()).toBe('expired');
      clock.set(createdAt - 3_000);
      expect((await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } })).status).toBe(200);
    });

    it('refuses the exchange of a session authenticated before the clock stepped back past its creation', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
      clock.advance(-60_000);
      const exchanged = await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} });
      expect([exchanged.status, exchanged.body.error.code]).toEqual([409, 'SESSION_NOT_AUTHENTICATED']);
    });

    it('has the desk reader pass over a waiting code created after what the clock now reads', async () => {
      const stale = await createLoginSession(t, seed.kioskKey);
      clock.advance(-4_000_000);
      const tap = () => t.server.services.loginSessions.validateAtKiosk(seed.kioskId, { uid: seed.user.uid }, { source: 'desk-reader' });
      await expect(tap()).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
      const fresh = await createLoginSession(t, seed.kioskKey);
      await tap();
      expect((await t.api(`/api/v1/login-sessions/${fresh.id}`, { token: fresh.kioskSecret })).body.status).toBe('authenticated');
      expect((await t.api(`/api/v1/login-sessions/${stale.id}`, { token: stale.kioskSecret })).body.status).toBe('expired');
    });

    it('ends an access token too when the clock steps back past its creation, not on an NTP-sized step', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
      const { accessToken } = (await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })).body;
      clock.advance(-(CLOCK_STEP_BACK_TOLERANCE_MS - 1_000));
      expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(200);
      clock.advance(-4_000_000);
      const me = await t.api('/api/v1/me', { token: accessToken });
      expect([me.status, me.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    });
  });
});
