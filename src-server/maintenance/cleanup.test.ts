import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { describeEachDialect } from '../testing/dialects.ts';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { claimCleanupTick, runCleanup } from './cleanup.ts';

describeEachDialect('the cleanup job', (freshDatabase) => {
  let t: TestServer;
  let seed: Seed;
  const clock = manualClock();

  beforeEach(async () => {
    clock.set(Date.parse('2026-05-01T12:00:00Z'));
    t = await startTestServer({ ...(await freshDatabase()), retentionSeconds: 3600, cleanupBatchSize: 7 }, { clock });
    seed = await t.seed();
  });
  afterEach(() => t.close());

  const statuses = async () =>
    (await t.server.deps.db.selectFrom('login_sessions').select('status').orderBy('created_at').execute()).map((r) => r.status);

  describe('the cleanup job', () => {
    it('writes down the expiry of overdue sessions and leaves live ones alone', async () => {
      for (let i = 0; i < 20; i++) await createLoginSession(t, seed.kioskKey);
      clock.advance(299_000);
      const live = await createLoginSession(t, seed.kioskKey);
      clock.advance(1_000);
      const report = await runCleanup(t.server.deps);
      expect(report).toEqual({ expiredSessions: 20, deletedLoginSessions: 0, deletedAccessSessions: 0, prunedAuditRows: 0 });
      expect(await statuses()).toEqual([...Array(20).fill('expired'), 'pending']);
      expect((await t.api(`/api/v1/login-sessions/${live.id}`, { token: live.kioskSecret })).body.status).toBe('pending');
    });

    it('writes down the end of sessions the clock stepped back past, and leaves those created since alone', async () => {
      await createLoginSession(t, seed.kioskKey);
      clock.advance(-4_000_000);
      await createLoginSession(t, seed.kioskKey);
      expect((await runCleanup(t.server.deps)).expiredSessions).toBe(1);
      expect(await statuses()).toEqual(['pending', 'expired']);
    });

    it('deletes sessions and access sessions past the retention period, across many batches', async () => {
      const used = await createLoginSession(t, seed.kioskKey);
      await t.api('/api/v1/login-sessions/validate', { body: { token: used.token, badge: { uid: seed.user.uid } } });
      const { accessToken } = (await t.api(`/api/v1/login-sessions/${used.id}/exchange`, { token: used.kioskSecret, body: {} })).body;
      for (let i = 0; i < 30; i++) await createLoginSession(t, seed.kioskKey);

      clock.advance(8 * 3600_000 + 3600_000 - 1);
      const kept = await runCleanup(t.server.deps);
      expect(kept).toEqual({ expiredSessions: 30, deletedLoginSessions: 31, deletedAccessSessions: 0, prunedAuditRows: 0 });
      expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(401);

      clock.advance(2);
      expect(await runCleanup(t.server.deps)).toEqual({ expiredSessions: 0, deletedLoginSessions: 0, deletedAccessSessions: 1, prunedAuditRows: 0 });
      expect(await statuses()).toEqual([]);
    });

    it('keeps a session within its retention period and deletes it one retention after its expiry', async () => {
      await createLoginSession(t, seed.kioskKey);
      clock.advance(300_000 + 3600_000);
      expect((await runCleanup(t.server.deps)).deletedLoginSessions).toBe(0);
      clock.advance(1);
      expect((await runCleanup(t.server.deps)).deletedLoginSessions).toBe(1);
    });

    it('keeps the audit log, which outlives the sessions it speaks of', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
      clock.advance(48 * 3600_000);
      await runCleanup(t.server.deps);
      const audit = await t.server.deps.db.selectFrom('audit_log').select('login_session_id').where('event', 'like', 'login.%').execute();
      expect(audit).toEqual([{ login_session_id: session.id }]);
    });
  });

  describe('the cleanup schedule', () => {
    it('gives each tick to one instance only, however many ask for it at once', async () => {
      const { db } = t.server.deps;
      const claims = await Promise.all(Array.from({ length: 8 }, () => claimCleanupTick(db, 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await claimCleanupTick(db, 60_000)).toBe(false);
      expect(await claimCleanupTick(db, 0)).toBe(false);
      expect(await claimCleanupTick(db, 120_000)).toBe(true);
    });

    it('runs the job on its cron expression while the server runs', async () => {
      const scheduled = await startTestServer({ ...(await freshDatabase()), cleanupCron: '* * * * * *' }, { cleanupSchedule: true });
      try {
        const { db } = scheduled.server.deps;
        const kiosk = await scheduled.server.services.kiosks.register({ name: 'Cron kiosk' });
        // A session left pending by a crashed process: no timer watches it, only the job can end it.
        const past = Date.now() - 60_000;
        await db
          .insertInto('login_sessions')
          .values({ id: 'orphan', token_hash: 'h1', kiosk_secret_hash: 'h2', kiosk_id: kiosk.id, status: 'pending', created_at: past - 300_000, expires_at: past, authenticated_at: null, consumed_at: null, user_id: null, badge_id: null })
          .execute();
        const deadline = Date.now() + 3_000;
        let status = 'pending';
        while (status === 'pending' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          status = (await db.selectFrom('login_sessions').select('status').where('id', '=', 'orphan').executeTakeFirstOrThrow()).status;
        }
        expect(status).toBe('expired');
      } finally {
        await scheduled.close();
      }
    });
  });
});
