import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { describeEachDialect } from '../testing/dialects.ts';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { watch, watchKiosk } from '../testing/ws-client.ts';

describeEachDialect('login session events', (freshDatabase) => {
  let t: TestServer;
  let seed: Seed;

  afterEach(() => t.close());

  describe('the login session event stream', () => {
    beforeEach(async () => {
      t = await startTestServer(await freshDatabase());
      seed = await t.seed();
    });

    it('drains on shutdown: every screen is told 1012 (come back now), at once', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      const kiosk = await watchKiosk(t.url, seed.kioskKey);
      await kiosk.next((m) => m.type === 'hello');
      const started = Date.now();
      await t.server.close();
      expect(await watcher.closed).toEqual({ code: 1012, reason: 'TapIn is restarting' });
      expect((await kiosk.closed).code).toBe(1012);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('answers the auth message with the current status at once', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      const first = await watcher.next(() => true);
      expect(first).toEqual({ type: 'status', id: session.id, status: 'pending', createdAt: expect.any(String), expiresAt: session.expiresAt, authenticatedAt: null });
      watcher.socket.close();
    });

    it('pushes authenticated when a phone validates, then consumed on exchange, then closes', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
      const pushed = await watcher.next((m) => m.status === 'authenticated');
      expect(pushed.authenticatedAt).toEqual(expect.any(String));
      await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} });
      await watcher.next((m) => m.status === 'consumed');
      expect((await watcher.closed).code).toBe(1000);
      expect(watcher.messages.map((m) => m.status)).toEqual(['pending', 'authenticated', 'consumed']);
    });

    it('tells the kiosk of each rejected badge, and of the burn after the fifth', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      for (let i = 0; i < 5; i++) {
        await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: '04FFFFFFFFFFFF' } } });
      }
      await watcher.next((m) => m.status === 'expired');
      const rejected = watcher.messages.filter((m) => m.type === 'rejected');
      expect(rejected.map((m) => m.remainingAttempts)).toEqual([4, 3, 2, 1, 0]);
      expect((await watcher.closed).code).toBe(1000);
    });

    it('closes with 4401 on a wrong secret, an unknown session, or a first message that is not auth', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const wrong = await watch(t.url, session.id, 'wrong-secret');
      expect((await wrong.closed).code).toBe(4401);
      const unknown = await watch(t.url, '00000000-0000-0000-0000-000000000000', session.kioskSecret);
      expect((await unknown.closed).code).toBe(4401);
      const junk = await watch(t.url, session.id);
      junk.socket.send('hello');
      expect((await junk.closed).code).toBe(4401);
      for (const w of [wrong, unknown, junk]) expect(w.messages).toEqual([]);
    });

    it('tells nothing to a socket that has not authenticated, even when the session changes', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      const silent = await watch(t.url, session.id);
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(silent.messages).toEqual([]);
      silent.socket.close();
    });

    it('answers a plain HTTP request with 426 UPGRADE_REQUIRED', async () => {
      const response = await t.api('/api/v1/login-sessions/x/events');
      expect(response.status).toBe(426);
      expect(response.body.error.code).toBe('UPGRADE_REQUIRED');
    });
  });

  describe("the desk reader's choice of session", () => {
    beforeEach(async () => {
      t = await startTestServer(await freshDatabase());
      seed = await t.seed();
    });

    const tapAtKiosk = () => t.server.services.loginSessions.validateAtKiosk(seed.kioskId, { uid: seed.user.uid }, { source: 'desk-reader' });
    const statusOf = async (id: string) => (await t.server.deps.db.selectFrom('login_sessions').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

    it('validates the code a screen is showing, not a newer one whose page was closed', async () => {
      const shown = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, shown.id, shown.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      const closedTab = await createLoginSession(t, seed.kioskKey);
      const gone = await watch(t.url, closedTab.id, closedTab.kioskSecret);
      await gone.next((m) => m.status === 'pending');
      gone.socket.close();
      await gone.closed;
      // One instance knows it from its own bus; several count it in the database (instances.test.ts).
      const watched = async (id: string) =>
        t.server.deps.bus.listening({ name: `login-session:${id}` }) ||
        (await t.server.deps.db.selectFrom('login_sessions').select('watchers').where('id', '=', id).executeTakeFirstOrThrow()).watchers > 0;
      await expect.poll(() => watched(closedTab.id)).toBe(false);
      expect(await watched(shown.id)).toBe(true);

      await tapAtKiosk();
      await watcher.next((m) => m.status === 'authenticated');
      expect([await statusOf(shown.id), await statusOf(closedTab.id)]).toEqual(['authenticated', 'pending']);
      watcher.socket.close();
    });

    it('falls back to the newest waiting code when no screen watches (a kiosk that polls)', async () => {
      const older = await createLoginSession(t, seed.kioskKey);
      const newer = await createLoginSession(t, seed.kioskKey);
      await tapAtKiosk();
      expect([await statusOf(older.id), await statusOf(newer.id)]).toEqual(['pending', 'authenticated']);
      await t.server.services.loginSessions.validateAtKiosk(seed.kioskId, { uid: seed.user.uid }, { source: 'desk-reader' });
      expect(await statusOf(older.id)).toBe('authenticated');
      await expect(tapAtKiosk()).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    });
  });

  describe('expiry pushes', () => {
    it('pushes expired within 2 s of expiresAt, from a timer rather than the cleanup job', async () => {
      t = await startTestServer({ ...(await freshDatabase()), sessionTtlSeconds: 1 });
      seed = await t.seed();
      const session = await createLoginSession(t, seed.kioskKey);
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      const expired = await watcher.next((m) => m.status === 'expired', 4_000);
      const lateBy = Date.now() - Date.parse(session.expiresAt);
      expect(lateBy).toBeGreaterThanOrEqual(0);
      expect(lateBy).toBeLessThan(2_000);
      expect(expired.id).toBe(session.id);
      expect((await watcher.closed).code).toBe(1000);
    });

    it('pushes expired for a session created before a restart, once a kiosk watches it again', async () => {
      t = await startTestServer({ ...(await freshDatabase()), sessionTtlSeconds: 2 });
      seed = await t.seed();
      const session = await createLoginSession(t, seed.kioskKey);
      const { dir, server, dbPath } = t;
      await server.close();
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      t = await startTestServer({ dbPath, sessionTtlSeconds: 2 }, { dir });
      const watcher = await watch(t.url, session.id, session.kioskSecret);
      await watcher.next((m) => m.status === 'pending');
      await watcher.next((m) => m.status === 'expired', 4_000);
      expect(Date.now() - Date.parse(session.expiresAt)).toBeLessThan(2_000);
    });
  });
});
