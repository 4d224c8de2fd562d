import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../src-server/audit/audit.repository.ts';
import type { KioskEvent, WatchEvent } from '../src-renderer/src/bridge/types.ts';
import { encodeSecretTlv } from '../src-server/reader/ndef.ts';
import { startReaderAgent, type ReaderAgent } from '../src-server/reader/reader-agent.ts';
import { pcscMissing, useVirtualReader } from '../src-server/testing/pcscd.ts';
import { readerState, tapBadge } from '../src-server/testing/taps.ts';
import { signIn, startTestServer, type TestServer } from '../src-server/testing/test-server.ts';
import { VirtualCard } from '../src-server/testing/virtual-card.ts';
import { kioskKeyStore } from './kiosk-key-store.ts';
import { fakeSafeStorage, recorder, useJoinedApps } from './testing/joined-app.ts';

// The kiosk app joined to a site, with its desk reader: the app's main side (as its window sees it over
// IPC), the reader agent it runs, the real PC/SC stack (pcscd, vsmartcard's Virtual PCD, nfc-pcsc in the
// reader process) and a real server over HTTP. Only the badge is played (VirtualCard).
if (pcscMissing) console.error("joined kiosk reader tests: skipped, pcscd or vsmartcard-vpcd is not installed");

const ADMIN_PIN = '4826';

describe.skipIf(pcscMissing)("a joined kiosk app's desk reader", () => {
  useVirtualReader();
  const { cleanups, dataFolder, joinedApp } = useJoinedApps();

  /** A site server whose clock a test may move on, with a joined kiosk app running its reader against it. */
  async function joinedKioskWithReader() {
    const clock = { offset: 0, now: () => Date.now() + clock.offset };
    const t: TestServer = await startTestServer({}, { clock });
    cleanups.push(() => t.close());
    const seed = await t.seed();
    const dataDir = dataFolder();
    kioskKeyStore({ dataDir, server: t.url, encryptor: fakeSafeStorage(), warn: () => undefined }).save(seed.kioskKey);
    const lines: string[] = [];
    let agent: ReaderAgent | undefined;
    const app = joinedApp(dataDir, t.url, {
      startReader(kioskKey) {
        agent = startReaderAgent({ server: t.url, kioskKey, retryDelay: () => 300, log: { info: (line) => lines.push(line), warn: (line) => lines.push(`warn: ${line}`) } });
        return agent;
      },
    });
    if (!agent) throw new Error('the joined app started no reader with its stored key');
    const reader = agent.reader;
    await readerState(reader, 'ready');
    return { t, seed, app, agent, clock, lines, tap: (card: VirtualCard) => tapBadge(reader, card) };
  }

  it('signs a person in on the kiosk screen at a tap, out on the same badge, and over to another', async () => {
    const { t, seed, app, tap } = await joinedKioskWithReader();
    const kioskEvents = recorder<KioskEvent>();
    const stopKiosk = app.bridge.watchKiosk(kioskEvents.push);
    await kioskEvents.until((event) => event.type === 'reader' && event.state === 'ready');

    // The code on screen, followed by the window; the badge goes on the desk reader, not a phone.
    const session = await app.bridge.createSession();
    const watched = recorder<WatchEvent>();
    const stopWatch = app.bridge.watchSession(session, watched.push);
    await watched.until((event) => event.type === 'status' && event.update.status === 'pending');
    expect(await tap(new VirtualCard({ uid: seed.user.uid }))).toBe('accepted');
    await watched.until((event) => event.type === 'status' && event.update.status === 'authenticated');
    stopWatch();
    const grace = await app.bridge.exchange(session);
    expect(grace.user.displayName).toBe('Grace Hopper');

    // Behind the dashboard the window keeps a session waiting; the same badge signs Grace out.
    const standby = await app.bridge.createSession();
    const standbyWatched = recorder<WatchEvent>();
    const stopStandby = app.bridge.watchSession(standby, standbyWatched.push);
    expect(await tap(new VirtualCard({ uid: seed.user.uid }))).toBe('accepted');
    await kioskEvents.until((event) => event.type === 'signedOut' && event.userId === seed.user.id);
    expect((await t.api('/api/v1/me', { token: grace.accessToken })).status).toBe(401);

    // Another badge signs in over the waiting session.
    const katherine = new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) });
    expect(await tap(katherine)).toBe('accepted');
    await standbyWatched.until((event) => event.type === 'status' && event.update.status === 'authenticated');
    expect((await app.bridge.exchange(standby)).user.displayName).toBe('Katherine Johnson');
    stopStandby();
    stopKiosk();
  });

  it("enrolls a badge at the kiosk's reader from the console, on the server with the administrator's own token", async () => {
    const { t, seed, app, tap } = await joinedKioskWithReader();
    await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, { userId: null, source: 'cli' });
    await t.server.services.users.update(seed.secretUser.id, { role: 'admin' }, CLI_ACTOR);
    const admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
    const consoleCall = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => app.bridge.user.request(method, path, admin, body);
    const enrolling = async () => ((await consoleCall('GET', 'admin/reader')) as { enrolling: boolean }).enrolling;

    expect(await consoleCall('GET', 'admin/reader')).toEqual({ attached: true, kioskId: seed.kioskId, state: 'ready', enrolling: false });
    const answer = consoleCall('POST', 'admin/reader/enrollments', { newUser: { displayName: 'Mary Jackson' }, withSecret: true, label: 'desk 4' });
    await expect.poll(enrolling).toBe(true);
    // Nothing on the server before the tap: the new user is created only once a badge is there.
    expect(await t.server.deps.db.selectFrom('users').select('id').where('display_name', '=', 'Mary Jackson').executeTakeFirst()).toBeUndefined();
    const card = new VirtualCard({ uid: '04AB0000000042' });
    expect(await tap(card)).toBe('accepted');
    expect(await answer).toMatchObject({ badge: { uid: '04AB0000000042' }, user: { displayName: 'Mary Jackson', role: 'user' }, secretWritten: true });
    const audit = await t.server.deps.db.selectFrom('audit_log').select(['event', 'actor_user_id', 'source']).where('event', 'in', ['user.create', 'badge.enroll']).where('source', '=', 'admin').execute();
    expect(audit).toEqual([
      { event: 'user.create', actor_user_id: seed.secretUser.id, source: 'admin' },
      { event: 'badge.enroll', actor_user_id: seed.secretUser.id, source: 'admin' },
    ]);
    // A badge already enrolled: refused after the tap, naming its holder; nothing created.
    const refused = expect(consoleCall('POST', 'admin/reader/enrollments', { newUser: { displayName: 'Nobody' } })).rejects.toMatchObject({
      code: 'BADGE_ALREADY_ENROLLED',
      status: 409,
      message: `badge ${seed.user.uid} is already enrolled (Grace Hopper); revoke it first`,
    });
    await expect.poll(enrolling).toBe(true);
    expect(await tap(new VirtualCard({ uid: seed.user.uid }))).toBe('rejected');
    await refused;

    // Called off from the console: the next tap signs in again.
    const calledOff = expect(consoleCall('POST', 'admin/reader/enrollments', { newUser: { displayName: 'Nobody' } })).rejects.toMatchObject({ code: 'NO_BADGE_TAPPED' });
    await expect.poll(enrolling).toBe(true);
    expect(await consoleCall('DELETE', 'admin/reader/enrollments')).toBeNull();
    await calledOff;
    expect(await enrolling()).toBe(false);
    expect(await t.server.deps.db.selectFrom('users').select('id').where('display_name', '=', 'Nobody').executeTakeFirst()).toBeUndefined();
    // The secret is on the tag (the server keeps its hash only): the badge signs in with it, not without
    // (over the administrator, who is signed out by that tap-over).
    const stored = await t.server.deps.db.selectFrom('badges').select('secret_hash').where('uid', '=', '04AB0000000042').executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toBeNull();
    await app.bridge.createSession();
    expect(await tap(card)).toBe('accepted');
    await app.bridge.createSession();
    expect(await tap(new VirtualCard({ uid: '04AB0000000042' }))).toBe('rejected');

  });

  it('revokes a new badge whose tag refuses its secret, frees the reader when the administrator leaves, and says when the reader stops', async () => {
    const { t, seed, app, agent, tap } = await joinedKioskWithReader();
    await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, { userId: null, source: 'cli' });
    const admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
    const enroll = (body: unknown) => app.bridge.user.request('POST', 'admin/reader/enrollments', admin, body);
    const enrolling = async () => ((await app.bridge.user.request('GET', 'admin/reader', admin)) as { enrolling: boolean }).enrolling;

    // A locked tag: enrolled on the server, the write refused at the kiosk, revoked on the server at once.
    const failed = expect(enroll({ userId: seed.user.id, withSecret: true })).rejects.toMatchObject({ code: 'BADGE_WRITE_FAILED', message: expect.stringContaining('hold it still and try again') });
    await expect.poll(enrolling).toBe(true);
    expect(await tap(new VirtualCard({ uid: '04DEAD00000001', readOnly: true }))).toBe('rejected');
    await failed;
    const badge = await t.server.deps.db.selectFrom('badges').select(['revoked_at', 'revoke_reason']).where('uid', '=', '04DEAD00000001').executeTakeFirstOrThrow();
    expect(badge).toMatchObject({ revoke_reason: 'secret_not_written', revoked_at: expect.any(Number) });

    // A second enrollment while one waits is refused, and leaves the first one cancellable.
    const first = expect(enroll({ userId: seed.user.id })).rejects.toMatchObject({ code: 'NO_BADGE_TAPPED' });
    await expect.poll(enrolling).toBe(true);
    await expect(enroll({ userId: seed.user.id })).rejects.toMatchObject({ code: 'READER_BUSY' });
    expect(await app.bridge.user.request('DELETE', 'admin/reader/enrollments', admin)).toBeNull();
    await first;

    // The administrator signs out (or is locked out idle) while it waits: the wait ends with the session.
    const abandoned = expect(enroll({ userId: seed.user.id })).rejects.toMatchObject({ code: 'NO_BADGE_TAPPED' });
    await expect.poll(enrolling).toBe(true);
    await app.bridge.logout(admin);
    await abandoned;
    expect(agent.reader.capturing).toBe(false);

    // The reader stops while one waits (the kiosk revoked, say): told at once, not at the timeout.
    const again = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
    const stopped = expect(app.bridge.user.request('POST', 'admin/reader/enrollments', again, { userId: seed.user.id })).rejects.toMatchObject({ code: 'READER_NOT_ATTACHED' });
    await expect.poll(() => agent.reader.capturing).toBe(true);
    const started = Date.now();
    await agent.stop();
    await stopped;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('hears only an administrator with a fresh step-up, and says so before anyone taps', async () => {
    const { t, seed, app, clock } = await joinedKioskWithReader();
    const user = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
    await expect(app.bridge.user.request('GET', 'admin/reader', user)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(app.bridge.user.request('POST', 'admin/reader/enrollments', user, { userId: seed.user.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, { userId: null, source: 'cli' });
    await t.server.services.users.update(seed.secretUser.id, { role: 'admin' }, CLI_ACTOR);
    const admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
    for (const junk of [{}, { userId: 1, newUser: { displayName: 'x' } }, { userId: 'one' }, { newUser: { displayName: ' ' } }, { userId: 1, timeoutSeconds: 3600 }]) {
      await expect(app.bridge.user.request('POST', 'admin/reader/enrollments', admin, junk), JSON.stringify(junk)).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    }
    await expect(app.bridge.user.request('POST', 'admin/reader/enrollments', admin, { userId: 999 })).rejects.toMatchObject({ code: 'USER_NOT_FOUND', status: 404 });
    // The PIN confirmed at sign-in lasts five minutes; later, the console asks for it before waiting for a badge.
    clock.offset = 6 * 60_000;
    await expect(app.bridge.user.request('POST', 'admin/reader/enrollments', admin, { userId: seed.user.id })).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED', status: 403 });
    expect(((await app.bridge.user.request('GET', 'admin/reader', admin)) as { enrolling: boolean }).enrolling).toBe(false);
    await app.bridge.user.request('POST', 'admin/step-up', admin, { pin: ADMIN_PIN });
    const waiting = app.bridge.user.request('POST', 'admin/reader/enrollments', admin, { userId: seed.user.id, timeoutSeconds: 5 });
    await expect(waiting).rejects.toMatchObject({ code: 'NO_BADGE_TAPPED' });
  });
});
