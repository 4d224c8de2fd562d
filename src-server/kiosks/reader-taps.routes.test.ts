import { beforeEach, describe, expect, it } from 'vitest';
import { createLoginSession, signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { watch, watchKiosk } from '../testing/ws-client.ts';

let t: TestServer;
let seed: Seed;

const readerTap = (badge: Record<string, unknown>, key: string | null = seed.kioskKey) =>
  t.api('/api/v1/kiosk/reader-taps', { method: 'POST', ...(key === null ? {} : { token: key }), body: { badge } });

const grace = () => ({ uid: seed.user.uid });
const katherine = () => ({ uid: seed.secretUser.uid, secret: seed.secretUser.secret });

beforeEach(async () => {
  t = await startTestServer();
  seed = await t.seed();
  return () => t.close();
});

describe('POST /api/v1/kiosk/reader-taps', () => {
  it('refuses a missing or wrong kiosk key, and a revoked kiosk', async () => {
    await createLoginSession(t, seed.kioskKey);
    for (const key of [null, 'tk_wrong']) {
      const answer = await readerTap(grace(), key);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('KIOSK_UNAUTHORIZED');
    }
    await t.server.services.kiosks.revoke(seed.kioskId, { userId: null, source: 'cli' });
    expect((await readerTap(grace())).body.error.code).toBe('KIOSK_UNAUTHORIZED');
  });

  it('answers 404 SESSION_NOT_FOUND when no login session waits at the kiosk', async () => {
    const answer = await readerTap(grace());
    expect(answer).toEqual({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND', message: expect.any(String) } } });
    // Another kiosk's waiting session is not this kiosk's.
    const other = await t.server.services.kiosks.register({ name: 'Other kiosk' });
    await createLoginSession(t, other.key);
    expect((await readerTap(grace())).status).toBe(404);
  });

  it('signs in through the kiosk newest waiting session (tap-in), audited as a reader agent', async () => {
    await createLoginSession(t, seed.kioskKey);
    const session = await createLoginSession(t, seed.kioskKey);
    const watcher = await watch(t.url, session.id, session.kioskSecret);
    await watcher.next((m) => m.status === 'pending');
    const answer = await readerTap(grace());
    expect(answer).toEqual({ status: 200, body: { outcome: 'signed_in', user: { displayName: 'Grace Hopper' } } });
    await watcher.next((m) => m.status === 'authenticated');
    watcher.socket.close();
    const audit = await t.server.deps.db.selectFrom('audit_log').select(['outcome', 'source', 'client_address', 'login_session_id']).where('event', 'like', 'login.%').execute();
    expect(audit).toEqual([{ outcome: 'success', source: 'reader-agent', client_address: '127.0.0.1', login_session_id: session.id }]);
  });

  it('answers 401 BADGE_REJECTED for an unknown, revoked or secret-less badge, counting each against the session', async () => {
    const session = await createLoginSession(t, seed.kioskKey);
    const revoked = await t.server.services.badges.enroll({ userId: seed.user.id, uid: '04DEADBEEF0001' });
    await t.server.services.badges.revoke(revoked.id, 'lost');
    for (const badge of [{ uid: '04FFFFFFFFFFFF' }, { uid: '04DEADBEEF0001' }, { uid: seed.secretUser.uid }, { uid: seed.secretUser.uid, secret: 'wrong' }]) {
      const answer = await readerTap(badge);
      expect(answer.status, JSON.stringify(badge)).toBe(401);
      expect(answer.body.error.code).toBe('BADGE_REJECTED');
    }
    const row = await t.server.deps.db.selectFrom('login_sessions').select(['status', 'rejected_badges']).where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', rejected_badges: 4 });
    const reasons = await t.server.deps.db.selectFrom('audit_log').select(['reason', 'source']).where('event', '=', 'login.validate').orderBy('id').execute();
    expect(reasons).toEqual(['unknown_badge', 'revoked_badge', 'missing_secret', 'wrong_secret'].map((reason) => ({ reason, source: 'reader-agent' })));
  });

  it('signs its user out when the same badge is tapped again (tap-out)', async () => {
    const events = await kioskEvents();
    const accessToken = await signIn(t, seed.kioskKey, grace());
    const answer = await readerTap({ uid: '04:a1:b2:c3:d4:e5:f6' });
    expect(answer).toEqual({ status: 200, body: { outcome: 'signed_out', user: { displayName: 'Grace Hopper' } } });
    expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(401);
    await expect.poll(() => events.messages.find((m) => m.type === 'signedOut')).toEqual({ type: 'signedOut', userId: seed.user.id });
    events.close();
    const logout = await t.server.deps.db.selectFrom('audit_log').select(['source', 'client_address']).where('event', '=', 'logout').execute();
    expect(logout).toEqual([{ source: 'reader-agent', client_address: '127.0.0.1' }]);
  });

  it('switches to another badge user through the waiting session (tap-over)', async () => {
    const accessToken = await signIn(t, seed.kioskKey, grace());
    const standby = await createLoginSession(t, seed.kioskKey);
    const answer = await readerTap(katherine());
    expect(answer).toEqual({ status: 200, body: { outcome: 'signed_in', user: { displayName: 'Katherine Johnson' } } });
    expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(401);
    const exchanged = await t.api(`/api/v1/login-sessions/${standby.id}/exchange`, { token: standby.kioskSecret, body: {} });
    expect(exchanged.body.user.displayName).toBe('Katherine Johnson');
  });

  it('leaves the signed-in user alone when a refused badge is tapped, or when nothing waits to switch to', async () => {
    const accessToken = await signIn(t, seed.kioskKey, grace());
    expect((await readerTap({ uid: '04FFFFFFFFFFFF' })).body.error.code).toBe('BADGE_REJECTED');
    // Tap-over without a waiting session: nothing to sign into, and Grace stays.
    expect((await readerTap(katherine())).body.error.code).toBe('SESSION_NOT_FOUND');
    expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(200);
  });

  it('refuses a SUN-only badge with 400 for now, and malformed bodies with 400 INVALID_REQUEST', async () => {
    await createLoginSession(t, seed.kioskKey);
    const sunOnly = await readerTap({ sun: 'https://tapin.example/b?e=00112233445566778899AABBCCDDEEFF&c=0011223344556677' });
    expect(sunOnly.status).toBe(400);
    expect(sunOnly.body.error).toEqual({ code: 'INVALID_REQUEST', message: 'SUN messages (NTAG 424 DNA) are not verified by this server yet; send the badge as badge.uid' });
    for (const body of [{}, { badge: {} }, { badge: { uid: 'zz' } }, { badge: { uid: 42 } }, { badge: { uid: '04A1B2C3D4E5F6', secret: 7 } }]) {
      const answer = await t.api('/api/v1/kiosk/reader-taps', { token: seed.kioskKey, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('INVALID_REQUEST');
    }
    // Nothing was counted against the waiting session.
    expect((await readerTap(grace())).body.outcome).toBe('signed_in');
  });
});

const kioskEvents = async (key = seed.kioskKey) => {
  const watcher = await watchKiosk(t.url, key);
  return { messages: watcher.messages, close: () => watcher.socket.close() };
};

describe('PUT /api/v1/kiosk/reader-state', () => {
  const report = (body: unknown, key: string = seed.kioskKey) => t.api('/api/v1/kiosk/reader-state', { method: 'PUT', token: key, body });

  it('tells the kiosk screen of its reader state, and only that kiosk', async () => {
    const other = await t.server.services.kiosks.register({ name: 'Other kiosk' });
    const events = await kioskEvents();
    const otherEvents = await kioskEvents(other.key);
    await expect.poll(() => events.messages[0]).toEqual({ type: 'hello', kiosk: { id: seed.kioskId }, reader: null });
    expect(await report({ state: 'ready' })).toEqual({ status: 204, body: undefined });
    await expect.poll(() => events.messages.at(-1)).toEqual({ type: 'reader', state: 'ready' });
    // The same state again (a heartbeat) is not news.
    await report({ state: 'ready' });
    await report({ state: 'card-present' });
    await expect.poll(() => events.messages.at(-1)).toEqual({ type: 'reader', state: 'card-present' });
    expect(events.messages.filter((m) => m.type === 'reader')).toEqual([
      { type: 'reader', state: 'ready' },
      { type: 'reader', state: 'card-present' },
    ]);
    // A screen that connects later hears the state in its hello.
    const later = await kioskEvents();
    await expect.poll(() => later.messages[0]).toEqual({ type: 'hello', kiosk: { id: seed.kioskId }, reader: 'card-present' });
    expect(otherEvents.messages).toEqual([{ type: 'hello', kiosk: { id: other.id }, reader: null }]);
    for (const e of [events, otherEvents, later]) e.close();
  });

  it('shows a reader that stopped reporting as no-service once its report runs out', async () => {
    const events = await kioskEvents();
    await report({ state: 'ready', ttlSeconds: 1 });
    await expect.poll(() => events.messages.at(-1)).toEqual({ type: 'reader', state: 'ready' });
    await expect.poll(() => events.messages.at(-1), { timeout: 3_000 }).toEqual({ type: 'reader', state: 'no-service' });
    events.close();
  });

  it('keeps a reader that reports in time shown as it is', async () => {
    const events = await kioskEvents();
    for (let i = 0; i < 4; i++) {
      await report({ state: 'ready', ttlSeconds: 1 });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(events.messages.filter((m) => m.type === 'reader')).toEqual([{ type: 'reader', state: 'ready' }]);
    events.close();
  });

  it('refuses a wrong key and a state it does not know', async () => {
    expect((await report({ state: 'ready' }, 'tk_wrong')).body.error.code).toBe('KIOSK_UNAUTHORIZED');
    for (const body of [{}, { state: 'happy' }, { state: 'ready', ttlSeconds: 0 }, { state: 'ready', ttlSeconds: 1.5 }]) {
      const answer = await report(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
  });
});
