import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipcKioskBridge } from '../src-renderer/src/bridge/ipc-kiosk-bridge.ts';
import type { KioskEvent, WatchEvent } from '../src-renderer/src/bridge/types.ts';
import { kioskChannel } from '../src-server/realtime/event-bus.ts';
import { startTestServer, type Seed, type TestServer } from '../src-server/testing/test-server.ts';
import { IPC } from './ipc.ts';
import { kioskIpcHandlers, type IpcCaller } from './kiosk-ipc.ts';
import { kioskApiOverIpc } from './preload-api.ts';

// The Electron binary cannot run here, so Electron's IPC transport is the one thing stood in for:
// `ipcRenderer.invoke` becomes a direct call of the main side's handler for that channel, and
// `WebContents.send` a direct call of the preload's listener. Everything on either side of it is the
// app's own code: renderer bridge → preload API → main handlers → services, on a real server and DB.
const KIOSK_PAGE = 'file:///app/out/renderer/kiosk.html';

// The desk reader is not part of these paths (the reader tests drive it on a real pcscd); only its
// state is read, and a capture would be a mistake.
const readerStandIn = {
  state: 'no-reader' as const,
  captureNextTap: () => Promise.reject(new Error('no tap expected in this test')),
};

let t: TestServer;
let seed: Seed;
let main: ReturnType<typeof kioskIpcHandlers>;

function windowAt(frameUrl: string, windowId = 1) {
  let deliver: (message: { subscription: number; event: unknown }) => void = () => undefined;
  const caller: IpcCaller = { windowId, frameUrl, post: (message) => deliver(message) };
  const api = kioskApiOverIpc({
    invoke: async (channel, ...args) => {
      const handler = main.handlers[channel];
      if (!handler) throw new Error(`no handler for ${channel}`);
      return (await handler(caller, ...args)) as never;
    },
    onEvent: (listener) => {
      deliver = listener;
    },
  });
  return { api, bridge: ipcKioskBridge(api) };
}

function collect<T>() {
  const events: T[] = [];
  return { events, push: (event: T) => events.push(event) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};

beforeEach(async () => {
  t = await startTestServer();
  seed = await t.seed();
  main = kioskIpcHandlers(t.server, { id: seed.kioskId, key: seed.kioskKey }, readerStandIn, (url) => url === KIOSK_PAGE);
});

afterEach(async () => {
  await t.close();
});

describe('the kiosk window over IPC', () => {
  it('signs a user in with badge and PIN: no access token before the PIN, session updates as events', async () => {
    await t.server.services.users.setPin(seed.secretUser.id, '4826', { userId: null, source: 'cli' });
    const { bridge } = windowAt(KIOSK_PAGE);
    expect((await bridge.kioskInfo()).kiosk).toMatchObject({ id: seed.kioskId, name: 'Lobby kiosk' });

    const session = await bridge.createSession();
    const watched = collect<WatchEvent>();
    const stop = bridge.watchSession(session, watched.push);
    await until(() => watched.events.some((event) => event.type === 'status' && event.update.status === 'pending'));
    expect(watched.events[0]).toEqual({ type: 'connection', online: true });

    const token = new URL(session.qrPayload).hash.slice('#t='.length);
    const phone = await t.api('/api/v1/login-sessions/validate', { body: { token, badge: { uid: seed.secretUser.uid, secret: seed.secretUser.secret } } });
    expect(phone.status).toBe(200);
    await until(() => watched.events.some((event) => event.type === 'status' && event.update.status === 'authenticated'));
    expect(watched.events.at(-1)).toMatchObject({ type: 'status', update: { status: 'authenticated', pinRequired: true } });

    await expect(bridge.exchange(session)).rejects.toMatchObject({ code: 'PIN_REQUIRED', status: 401 });
    await expect(bridge.exchange(session, '1111')).rejects.toMatchObject({ code: 'PIN_REJECTED', message: expect.stringContaining('4 tries left') });
    const signedIn = await bridge.exchange(session, '4826');
    expect(signedIn.user).toMatchObject({ displayName: 'Katherine Johnson', role: 'admin' });
    stop();

    // The console's calls reach the admin API with that token; logging out ends it.
    expect(await bridge.user.request('GET', 'admin/users', signedIn.accessToken)).toMatchObject({ total: 2 });
    // A people file crosses as text and reaches the import as text/csv (the PIN just typed is the step-up).
    const csv = 'external_id,name,badge_uid\n1001,Mary Jackson,04AAAAAAAAAAAA\n';
    expect(await bridge.user.request('POST', 'admin/people/import?mode=preview', signedIn.accessToken, csv, 'csv')).toMatchObject({ mode: 'preview', created: 1, badgesEnrolled: 1 });
    expect(await bridge.user.request('POST', 'admin/people/import?mode=apply', signedIn.accessToken, csv, 'csv')).toMatchObject({ mode: 'apply', created: 1 });
    expect(await bridge.user.request('GET', 'admin/people/export', signedIn.accessToken)).toContain('1001,Mary Jackson,user,04AAAAAAAAAAAA');
    await expect(bridge.user.request('POST', 'admin/people/import?mode=apply', signedIn.accessToken, { not: 'a file' }, 'csv')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await bridge.logout(signedIn.accessToken);
    await expect(bridge.user.request('GET', 'admin/users', signedIn.accessToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const pinSteps = await t.server.deps.db.selectFrom('audit_log').select(['outcome', 'client_address']).where('event', '=', 'login.pin').orderBy('id').execute();
    expect(pinSteps).toEqual([
      { outcome: 'failure', client_address: 'ipc' },
      { outcome: 'success', client_address: 'ipc' },
    ]);
  });

  it('refuses every channel to a frame that is not the kiosk page', async () => {
    const { api } = windowAt('https://evil.example/');
    for (const call of [() => api.kioskInfo(), () => api.createSession(), () => api.exchange('x', 'y', '1234'), () => api.firstRunNeeded()]) {
      await expect(call()).rejects.toThrow('IPC refused from https://evil.example/');
    }
    await expect(windowAt('').api.kioskInfo()).rejects.toThrow('IPC refused from an unknown frame');
  });

  it('answers junk arguments with an API error, never a crash', async () => {
    const { api } = windowAt(KIOSK_PAGE);
    const invoke = (channel: string, ...args: unknown[]) => main.handlers[channel]?.({ windowId: 1, frameUrl: KIOSK_PAGE, post: () => undefined }, ...args);
    expect(await invoke(IPC.exchange, { id: 1 }, null, 1234)).toMatchObject({ ok: false, status: 404 });
    expect(await invoke(IPC.logout, undefined)).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(await api.userRequest('GET', '../kiosk', 'token')).toMatchObject({ ok: false, code: 'NOT_FOUND' });

    // Watching a real session with a wrong kioskSecret: "expired", and none of its later news.
    const session = await t.server.services.loginSessions.create(seed.kioskKey);
    const events: unknown[] = [];
    api.watchSession(session.id, 'not-its-secret', (event) => events.push(event));
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'status', update: { status: 'expired' } });
    await t.server.services.loginSessions.validate({ token: session.token, badge: { uid: seed.user.uid }, source: 'phone' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(1);
  });

  it('stops sending events once unwatched or once the window is gone', async () => {
    const first = windowAt(KIOSK_PAGE, 1);
    const second = windowAt(KIOSK_PAGE, 2);
    const one = collect<KioskEvent>();
    const two = collect<KioskEvent>();
    const stopOne = first.bridge.watchKiosk(one.push);
    second.bridge.watchKiosk(two.push);
    await until(() => one.events.length === 1 && two.events.length === 1);
    expect(one.events[0]).toEqual({ type: 'reader', state: 'no-reader' });

    t.server.deps.bus.publish(kioskChannel(seed.kioskId), { type: 'reader', state: 'ready' });
    await until(() => one.events.length === 2 && two.events.length === 2);
    stopOne();
    main.forgetWindow(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    t.server.deps.bus.publish(kioskChannel(seed.kioskId), { type: 'reader', state: 'card-present' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([one.events.length, two.events.length]).toEqual([2, 2]);
  });

  it('offers the first-run screen only while no administrator exists', async () => {
    const { firstRun } = windowAt(KIOSK_PAGE).bridge;
    expect(firstRun).toBeDefined();
    expect(await firstRun?.needed()).toBe(false);
    await expect(firstRun?.claim()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
