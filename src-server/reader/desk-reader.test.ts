import { beforeEach, describe, expect, it } from 'vitest';
import { createLoginSession, signIn as signInAt, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { pcscMissing, useVirtualReader } from '../testing/pcscd.ts';
import { VirtualCard } from '../testing/virtual-card.ts';
import WebSocket from 'ws';
import { watch } from '../testing/ws-client.ts';
import { readerState, tapBadge } from '../testing/taps.ts';
import type { DeskReader } from './desk-reader.ts';
import { enrollAtReader, servicesDirectory } from './enrollment.ts';
import { enrollFirstAdministrator, needsFirstAdministrator } from './first-administrator.ts';
import { encodeSecretTlv } from './ndef.ts';

// The real PC/SC stack: our own pcscd, vsmartcard's "Virtual PCD" driver, nfc-pcsc in the reader
// process. Only the badge is played, by VirtualCard over vpcd's socket. One file, run in sequence:
// there is one virtual reader on the machine.
if (pcscMissing) console.error('desk reader tests: skipped, pcscd or vsmartcard-vpcd is not installed');

let t: TestServer;
let seed: Seed;
let reader: DeskReader;

const until = readerState;
const tap = (card: VirtualCard) => tapBadge(reader, card);

describe.skipIf(pcscMissing)('the desk reader on a real PC/SC stack', () => {
  const pcscd = useVirtualReader();
  beforeEach(async () => {
    t = await startTestServer();
    seed = await t.seed();
    reader = t.server.attachDeskReader(seed.kioskId, { retryDelay: () => 300 });
    await until(reader, 'ready');
    return () => t.close();
  });

  it('validates the kiosk newest waiting session when a known badge is tapped', async () => {
    await createLoginSession(t, seed.kioskKey);
    const session = await createLoginSession(t, seed.kioskKey);
    const watcher = await watch(t.url, session.id, session.kioskSecret);
    await watcher.next((m) => m.status === 'pending');
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('accepted');
    await watcher.next((m) => m.status === 'authenticated');
    const audit = await t.server.deps.db.selectFrom('audit_log').select(['outcome', 'source', 'login_session_id']).where('event', 'like', 'login.%').execute();
    expect(audit).toEqual([{ outcome: 'success', source: 'desk-reader', login_session_id: session.id }]);
    watcher.socket.close();
  });

  it('rejects unknown and revoked badges, counting them against the session', async () => {
    const session = await createLoginSession(t, seed.kioskKey);
    const revoked = await t.server.services.badges.enroll({ userId: seed.user.id, uid: '04DEADBEEF0001' });
    await t.server.services.badges.revoke(revoked.id, 'lost');
    expect(await tap(new VirtualCard({ uid: '04FFFFFFFFFFFF' }))).toBe('rejected');
    expect(await tap(new VirtualCard({ uid: '04DEADBEEF0001' }))).toBe('rejected');
    const row = await t.server.deps.db.selectFrom('login_sessions').select(['status', 'rejected_badges']).where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', rejected_badges: 2 });
    const reasons = await t.server.deps.db.selectFrom('audit_log').select(['reason', 'source']).where('event', 'like', 'login.%').orderBy('id').execute();
    expect(reasons).toEqual([
      { reason: 'unknown_badge', source: 'desk-reader' },
      { reason: 'revoked_badge', source: 'desk-reader' },
    ]);
  });

  it('reads the badge secret from the tag, and refuses the same UID without it', async () => {
    await createLoginSession(t, seed.kioskKey);
    expect(await tap(new VirtualCard({ uid: '04112233445566' }))).toBe('rejected');
    expect(await tap(new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) }))).toBe('accepted');
  });

  it('counts a badge left on the reader as one tap', async () => {
    await createLoginSession(t, seed.kioskKey);
    const taps: string[] = [];
    reader.events.on('tap', (badge) => taps.push(badge.uid));
    const card = new VirtualCard({ uid: '04FFFFFFFFFFFF' });
    await card.tap();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await card.remove();
    expect(taps).toEqual(['04FFFFFFFFFFFF']);
  });

  it('ignores a tap when no session is waiting at its kiosk', async () => {
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('ignored');
  });

  async function signIn(uid: string, secret?: string) {
    const session = await createLoginSession(t, seed.kioskKey);
    await t.api('/api/v1/login-sessions/validate', { body: { token: new URL(session.qrPayload).hash.slice(3), badge: { uid, secret } } });
    const exchanged = await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} });
    return exchanged.body.accessToken as string;
  }

  function kioskEvents(): Promise<{ messages: Record<string, unknown>[]; close(): void }> {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/kiosk/events`);
    const messages: Record<string, unknown>[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    return new Promise((resolve) => {
      socket.once('open', () => {
        socket.send(JSON.stringify({ type: 'auth', kioskKey: seed.kioskKey }));
        resolve({ messages, close: () => socket.close() });
      });
    });
  }

  it('signs its user out when the same badge is tapped while they are signed in there (tap-out)', async () => {
    const events = await kioskEvents();
    const accessToken = await signIn(seed.user.uid);
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('accepted');
    expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(401);
    await expect.poll(() => events.messages.find((m) => m.type === 'signedOut')).toEqual({ type: 'signedOut', userId: seed.user.id });
    expect(events.messages[0]).toEqual({ type: 'hello', kiosk: { id: seed.kioskId }, reader: 'ready' });
    const logout = await t.server.deps.db.selectFrom('audit_log').select(['event', 'source']).where('event', '=', 'logout').execute();
    expect(logout).toEqual([{ event: 'logout', source: 'desk-reader' }]);
    events.close();
  });

  it('switches to another user whose badge is tapped, through the waiting session (tap-over)', async () => {
    const accessToken = await signIn(seed.user.uid);
    const standby = await createLoginSession(t, seed.kioskKey);
    const watcher = await watch(t.url, standby.id, standby.kioskSecret);
    await watcher.next((m) => m.status === 'pending');
    expect(await tap(new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) }))).toBe('accepted');
    await watcher.next((m) => m.status === 'authenticated');
    expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(401);
    const exchanged = await t.api(`/api/v1/login-sessions/${standby.id}/exchange`, { token: standby.kioskSecret, body: {} });
    expect(exchanged.body.user.displayName).toBe('Katherine Johnson');
    watcher.socket.close();
  });

  it('leaves the signed-in user alone when an unknown badge is tapped', async () => {
    const accessToken = await signIn(seed.user.uid);
    expect(await tap(new VirtualCard({ uid: '04FFFFFFFFFFFF' }))).toBe('rejected');
    expect((await t.api('/api/v1/me', { token: accessToken })).status).toBe(200);
    const last = await t.server.deps.db.selectFrom('audit_log').select(['outcome', 'reason', 'source']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(last).toEqual({ outcome: 'failure', reason: 'unknown_badge', source: 'desk-reader' });
  });

  it('enrolls the next badge tapped, writing a fresh secret that a later tap then uses', async () => {
    const user = await t.server.services.users.add({ name: 'Dorothy Vaughan' });
    const card = new VirtualCard({ uid: '04CAFE00BEEF01' });
    const enrolled = enrollAtReader(reader, servicesDirectory(t.server.services), { userId: user.id, withSecret: true, label: 'new card' });
    expect(await tap(card)).toBe('accepted');
    expect(await enrolled).toMatchObject({ uid: '04CAFE00BEEF01', secretWritten: true });
    // The tag now carries the secret; the server only its hash.
    const stored = await t.server.deps.db.selectFrom('badges').select('secret_hash').where('uid', '=', '04CAFE00BEEF01').executeTakeFirstOrThrow();
    expect(stored.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const session = await createLoginSession(t, seed.kioskKey);
    expect(await tap(card)).toBe('accepted');
    expect((await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })).body.user.displayName).toBe('Dorothy Vaughan');
    // Without the secret on the tag, the same UID no longer gets in.
    await createLoginSession(t, seed.kioskKey);
    expect(await tap(new VirtualCard({ uid: '04CAFE00BEEF01' }))).toBe('rejected');
  });

  it('refuses to enroll a badge that is already enrolled', async () => {
    const enrolled = enrollAtReader(reader, servicesDirectory(t.server.services), { userId: seed.secretUser.id });
    const outcome = tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }));
    await expect(enrolled).rejects.toMatchObject({ code: 'BADGE_ALREADY_ENROLLED' });
    expect(await outcome).toBe('rejected');
  });

  describe('enrollment from the admin console (HTTP)', () => {
    let admin: string;
    const enroll = (body: unknown, signal?: AbortSignal) =>
      fetch(`${t.url}/api/v1/admin/reader/enrollments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    const readerInfo = async () => (await t.api('/api/v1/admin/reader', { token: admin })).body;

    beforeEach(async () => {
      await t.server.services.users.setPin(seed.secretUser.id, '4826', { userId: null, source: 'cli' });
      admin = await signInAt(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, '4826');
    });

    it('waits for the tap, creates the new user only then, and writes the secret the badge then signs in with', async () => {
      expect(await readerInfo()).toEqual({ attached: true, kioskId: seed.kioskId, state: 'ready', enrolling: false });
      const answer = enroll({ newUser: { displayName: 'Mary Jackson' }, withSecret: true, label: 'desk 4' });
      await expect.poll(async () => (await readerInfo()).enrolling).toBe(true);
      expect(await t.server.deps.db.selectFrom('users').select('id').where('display_name', '=', 'Mary Jackson').executeTakeFirst()).toBeUndefined();
      const card = new VirtualCard({ uid: '04AB0000000042' });
      expect(await tap(card)).toBe('accepted');
      const response = await answer;
      expect(response.status).toBe(201);
      const body = (await response.json()) as { badge: { id: number; uid: string }; user: { id: number; displayName: string }; secretWritten: boolean };
      expect(body).toMatchObject({ badge: { uid: '04AB0000000042' }, user: { displayName: 'Mary Jackson', role: 'user' }, secretWritten: true });
      const audit = await t.server.deps.db.selectFrom('audit_log').select(['event', 'actor_user_id']).where('event', 'in', ['user.create', 'badge.enroll']).where('source', '=', 'admin').execute();
      expect(audit).toEqual([
        { event: 'user.create', actor_user_id: seed.secretUser.id },
        { event: 'badge.enroll', actor_user_id: seed.secretUser.id },
      ]);
      await createLoginSession(t, seed.kioskKey);
      expect(await tap(card)).toBe('accepted');
    });

    it('shows the holder of a badge already enrolled, and stops waiting when the administrator leaves', async () => {
      const refused = enroll({ userId: seed.user.id });
      await expect.poll(async () => (await readerInfo()).enrolling).toBe(true);
      expect(await tap(new VirtualCard({ uid: '04112233445566' }))).toBe('rejected');
      const answer = await refused;
      expect(answer.status).toBe(409);
      expect(((await answer.json()) as { error: { message: string } }).error.message).toBe('badge 04112233445566 is already enrolled (Katherine Johnson); revoke it first');

      const leaving = new AbortController();
      const abandoned = enroll({ newUser: { displayName: 'Nobody' } }, leaving.signal).catch(() => 'aborted');
      await expect.poll(async () => (await readerInfo()).enrolling).toBe(true);
      leaving.abort();
      expect(await abandoned).toBe('aborted');
      await expect.poll(async () => (await readerInfo()).enrolling).toBe(false);

      // Called off from the console (the kiosk app cannot abort its in-process request).
      const calledOff = enroll({ newUser: { displayName: 'Nobody' } });
      await expect.poll(async () => (await readerInfo()).enrolling).toBe(true);
      expect((await t.api('/api/v1/admin/reader/enrollments', { method: 'DELETE', token: admin })).status).toBe(204);
      expect((await calledOff).status).toBe(409);
      expect((await readerInfo()).enrolling).toBe(false);
      // The next tap is a sign-in again, not an enrollment.
      await createLoginSession(t, seed.kioskKey);
      expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('accepted');
      expect(await t.server.deps.db.selectFrom('users').select('id').where('display_name', '=', 'Nobody').executeTakeFirst()).toBeUndefined();
    });

    it('refuses a second enrollment while one waits, and junk before waiting at all', async () => {
      const first = enroll({ userId: seed.user.id, timeoutSeconds: 5 });
      await expect.poll(async () => (await readerInfo()).enrolling).toBe(true);
      const second = await enroll({ userId: seed.user.id });
      expect(second.status).toBe(409);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe('READER_BUSY');
      expect((await first).status).toBe(409);
      for (const body of [{}, { userId: 1, newUser: { displayName: 'x' } }, { userId: 999 }, { newUser: { displayName: ' ' } }]) {
        expect((await enroll(body)).status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      }
      expect((await readerInfo()).enrolling).toBe(false);
    }, 15_000);
  });

  it('makes the first badge tapped on a fresh install the administrator, once', async () => {
    const fresh = await startTestServer();
    const freshReader = fresh.server.attachDeskReader(1, { retryDelay: () => 300 });
    try {
      // The other reader of this test yields the virtual reader to this one.
      await reader.stop();
      await readerState(freshReader, 'ready');
      expect(await needsFirstAdministrator(fresh.server.deps.db)).toBe(true);
      const claimed = enrollFirstAdministrator(freshReader, fresh.server.deps.db, fresh.server.services, { name: 'Site admin' });
      expect(await tapBadge(freshReader, new VirtualCard({ uid: '04AD0000000001' }))).toBe('accepted');
      expect(await claimed).toMatchObject({ uid: '04AD0000000001' });
      expect(await needsFirstAdministrator(fresh.server.deps.db)).toBe(false);
      const admin = await fresh.server.deps.db.selectFrom('users').select(['display_name', 'role']).executeTakeFirstOrThrow();
      expect(admin).toEqual({ display_name: 'Site admin', role: 'admin' });
      await expect(enrollFirstAdministrator(freshReader, fresh.server.deps.db, fresh.server.services)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await fresh.close();
    }
  });

  it('recovers by itself when pcscd is killed and started again', async (context) => {
    if (pcscd.borrowed) context.skip('pcscd is the machine\'s own, not the test\'s to kill');
    await pcscd.stop();
    await until(reader, 'no-service');
    pcscd.start();
    await until(reader, 'ready', 20_000);
    await createLoginSession(t, seed.kioskKey);
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('accepted');
  });
});
