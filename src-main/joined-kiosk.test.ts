import { readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KioskEvent, WatchEvent } from '../src-renderer/src/bridge/types.ts';
import { CLI_ACTOR } from '../src-server/audit/audit.repository.ts';
import { signIn } from '../src-server/testing/test-server.ts';
import { APP_MODE_FILE, appModeControl, resolveAppMode, saveAppMode } from './app-mode.ts';
import { kioskIpcOver, unchosenBackend } from './kiosk-backend.ts';
import { KIOSK_KEY_FILE, kioskKeyStore } from './kiosk-key-store.ts';
import { fakeSafeStorage, KIOSK_PAGE, recorder, useJoinedApps } from './testing/joined-app.ts';

const { cleanups, server, dataFolder, joinedApp } = useJoinedApps();

const tokenOf = (qrPayload: string) => new URL(qrPayload).hash.slice('#t='.length);
const keyFile = (dataDir: string) => join(dataDir, KIOSK_KEY_FILE);

describe('the kiosk app joined to a site server', () => {
  it('pairs over IPC, keeps the key encrypted and owner-only in its data folder, then signs a user in', async () => {
    const t = await server();
    const seed = await t.seed();
    const dataDir = dataFolder();
    const app = joinedApp(dataDir, t.url);

    await expect(app.bridge.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED', status: 401 });
    const pairing = await app.bridge.pairing.start();
    expect(pairing.code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(pairing.server).toBe(new URL(t.url).origin);
    expect(await app.bridge.pairing.check(pairing)).toBe('pending');
    await t.server.services.pairings.approve({ code: pairing.code, name: 'Hall' });
    expect(await app.bridge.pairing.check(pairing)).toBe('paired');

    // The key: in a 0600 file, encrypted; a real key of this server; never handed to the window.
    const file = keyFile(dataDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { server: string; kioskKey: { safeStorage: string } };
    expect(saved.server).toBe(t.url);
    const kioskKey = fakeSafeStorage().decryptString(Buffer.from(saved.kioskKey.safeStorage, 'base64'));
    expect(kioskKey).toMatch(/^tk_/);
    expect(readFileSync(file, 'utf8')).not.toContain(kioskKey);
    expect((await t.server.services.kiosks.authenticate(kioskKey)).name).toBe('Hall');
    expect(app.readers.map((reader) => reader.key)).toEqual([kioskKey]);
    expect((await app.bridge.kioskInfo()).kiosk).toMatchObject({ name: 'Hall' });

    // A login, as the window sees it: code, phone, "authenticated", exchange, logout.
    const kioskEvents = recorder<KioskEvent>();
    const stopKiosk = app.bridge.watchKiosk(kioskEvents.push);
    await kioskEvents.until((event) => event.type === 'reader');
    const session = await app.bridge.createSession();
    const watched = recorder<WatchEvent>();
    const stop = app.bridge.watchSession(session, watched.push);
    await watched.until((event) => event.type === 'status' && event.update.status === 'pending');
    expect(watched.events[0]).toEqual({ type: 'connection', online: true });
    const phone = await t.api('/api/v1/login-sessions/validate', { body: { token: tokenOf(session.qrPayload), badge: { uid: seed.user.uid } } });
    expect(phone.body).toMatchObject({ status: 'authenticated', kiosk: { name: 'Hall' } });
    await watched.until((event) => event.type === 'status' && event.update.status === 'authenticated');
    const signedIn = await app.bridge.exchange(session);
    expect(signedIn.user.displayName).toBe('Grace Hopper');
    stop();
    expect((await t.api('/api/v1/me', { token: signedIn.accessToken })).status).toBe(200);
    // The window's user calls stay on the user's own routes, as in the standalone app.
    await expect(app.bridge.user.request('GET', '../kiosk', signedIn.accessToken)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await app.bridge.logout(signedIn.accessToken);
    expect((await t.api('/api/v1/me', { token: signedIn.accessToken })).status).toBe(401);
    stopKiosk();

    expect(JSON.stringify(app.toWindow)).not.toContain(kioskKey);
    expect(app.toWindow.length).toBeGreaterThan(10);
  });

  it("carries the console's calls to the site: a people file as text/csv, the export back as text", async () => {
    const t = await server();
    const seed = await t.seed();
    await t.server.services.users.setPin(seed.secretUser.id, '4826', { userId: null, source: 'cli' });
    const dataDir = dataFolder();
    kioskKeyStore({ dataDir, server: t.url, encryptor: fakeSafeStorage(), warn: () => undefined }).save(seed.kioskKey);
    const app = joinedApp(dataDir, t.url);
    const admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, '4826');

    const csv = 'external_id,name,badge_uid\n1001,Mary Jackson,04AAAAAAAAAAAA\n1002,Alan Turing,04A1B2C3D4E5F6\n';
    const preview = await app.bridge.user.request('POST', 'admin/people/import?mode=preview', admin, csv, 'csv');
    expect(preview).toMatchObject({ mode: 'preview', created: 1, refused: [{ line: 3, externalId: '1002' }] });
    expect(await app.bridge.user.request('POST', 'admin/people/import?mode=apply', admin, csv, 'csv')).toMatchObject({ mode: 'apply', created: 1 });
    const imported = await t.server.deps.db.selectFrom('audit_log').select(['event', 'actor_user_id']).where('event', '=', 'people.import').execute();
    expect(imported).toEqual([{ event: 'people.import', actor_user_id: seed.secretUser.id }]);
    expect(await app.bridge.user.request('GET', 'admin/people/export', admin)).toContain('1001,Mary Jackson,user,04AAAAAAAAAAAA');
    await expect(app.bridge.user.request('POST', 'admin/people/import?mode=apply', admin, 'not,a\n"broken', 'csv')).rejects.toMatchObject({ status: 400 });
  });

  it('reports the link down when the server goes away, and recovers on its own when it is back', async () => {
    let t = await server();
    const seed = await t.seed();
    const dataDir = dataFolder();
    kioskKeyStore({ dataDir, server: t.url, encryptor: fakeSafeStorage(), warn: () => undefined }).save(seed.kioskKey);
    const app = joinedApp(dataDir, t.url);
    const session = await app.bridge.createSession();
    const watched = recorder<WatchEvent>();
    const stop = app.bridge.watchSession(session, watched.push);
    await watched.until((event) => event.type === 'connection' && event.online);

    const { dir } = t;
    const port = Number(new URL(t.url).port);
    await t.server.close();
    cleanups.splice(0, 1);
    await watched.until((event) => event.type === 'connection' && !event.online);
    await expect(app.bridge.kioskInfo()).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE', status: 503 });

    t = await server({ port }, dir);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const back = watched.events.length;
    await watched.until((event) => event.type === 'connection' && event.online, back);
    await t.api('/api/v1/login-sessions/validate', { body: { token: tokenOf(session.qrPayload), badge: { uid: seed.user.uid } } });
    await watched.until((event) => event.type === 'status' && event.update.status === 'authenticated', back);
    expect((await app.bridge.exchange(session)).user.displayName).toBe('Grace Hopper');
    stop();
  });

  it('tells the window when the server refuses its key (a revoked kiosk), and forgets the stored key', async () => {
    const t = await server();
    const seed = await t.seed();
    const dataDir = dataFolder();
    kioskKeyStore({ dataDir, server: t.url, encryptor: fakeSafeStorage(), warn: () => undefined }).save(seed.kioskKey);
    const app = joinedApp(dataDir, t.url);
    const kioskEvents = recorder<KioskEvent>();
    const stopKiosk = app.bridge.watchKiosk(kioskEvents.push);
    await kioskEvents.until((event) => event.type === 'reader');
    expect(app.readers).toEqual([{ key: seed.kioskKey, stopped: false }]);

    await t.server.services.kiosks.revoke(seed.kioskId, CLI_ACTOR);
    await expect(app.bridge.createSession()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED', status: 401 });
    expect(existsSync(keyFile(dataDir))).toBe(false);
    expect(app.readers[0]?.stopped).toBe(true);
    await expect(app.bridge.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED' });

    // The kiosk events link, back after a server restart, is refused too: the window hears it.
    const { dir } = t;
    const port = Number(new URL(t.url).port);
    await t.server.close();
    cleanups.splice(0, 1);
    await server({ port }, dir);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await kioskEvents.until((event) => event.type === 'keyRefused');
    stopKiosk();
    // A new code can be asked for at once: pairing again is the way back.
    expect((await app.bridge.pairing.start()).code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  });

  it('keeps no key from another server, and refuses junk from the window with API errors', async () => {
    const t = await server();
    const seed = await t.seed();
    const dataDir = dataFolder();
    kioskKeyStore({ dataDir, server: 'https://another-site.example', encryptor: fakeSafeStorage(), warn: () => undefined }).save(seed.kioskKey);
    const app = joinedApp(dataDir, t.url);
    await expect(app.bridge.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED' });
    expect(app.readers).toEqual([]);

    await expect(app.bridge.pairing.check({ id: 'nope', pollSecret: 'nope', code: '', expiresAt: '', server: '' })).rejects.toMatchObject({ code: 'PAIRING_NOT_FOUND' });
    const invoke = (channel: string, ...args: unknown[]) => app.main.handlers[channel]?.({ windowId: 1, frameUrl: KIOSK_PAGE, post: () => undefined }, ...args);
    expect(await invoke('tapin:check-pairing', { id: 1 }, null)).toMatchObject({ ok: false, code: 'PAIRING_NOT_FOUND' });
    expect(await invoke('tapin:exchange', null, 42)).toMatchObject({ ok: false, status: 404 });
    expect(await invoke('tapin:first-run-needed')).toEqual({ ok: true, value: false });
    expect(await invoke('tapin:claim-first-run')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const events: unknown[] = [];
    app.api.watchSession('', '', (event) => events.push(event));
    await expect.poll(() => events).toMatchObject([{ type: 'status', update: { status: 'expired' } }]);
    await expect(app.main.handlers['tapin:start-pairing']?.({ windowId: 1, frameUrl: 'https://evil.example/', post: () => undefined })).rejects.toThrow('IPC refused');
  });

  it('keeps the key plain but owner-only, with a warning, where the OS offers no encryption', async () => {
    const dataDir = dataFolder();
    const warnings: string[] = [];
    const store = kioskKeyStore({ dataDir, server: 'https://tapin.example', encryptor: fakeSafeStorage(false), warn: (line) => warnings.push(line) });
    store.save('tk_plain');
    expect(statSync(keyFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([expect.stringContaining('unencrypted')]);
    expect(store.load()).toBe('tk_plain');

    // A key another keychain encrypted cannot be read here: the kiosk pairs again, told why.
    writeFileSync(keyFile(dataDir), JSON.stringify({ server: 'https://tapin.example', kioskKey: { safeStorage: Buffer.from('garbage').toString('base64') } }));
    expect(store.load()).toBeUndefined();
    expect(warnings.at(-1)).toContain('pair this kiosk again');
    store.forget();
    expect(existsSync(keyFile(dataDir))).toBe(false);
  });
});

describe("the kiosk app's mode", () => {
  it('comes from TAPIN_SERVER_URL first, then tapin-kiosk.json, then an existing install, else is not chosen yet', () => {
    const dataDir = dataFolder();
    expect(resolveAppMode(dataDir, {})).toEqual({ mode: 'unchosen', fixed: false });
    writeFileSync(join(dataDir, 'tapin.sqlite'), '');
    expect(resolveAppMode(dataDir, {})).toEqual({ mode: 'standalone', fixed: false });
    saveAppMode(dataDir, { mode: 'joined', server: 'https://tapin.example.org/' });
    expect(resolveAppMode(dataDir, {})).toEqual({ mode: 'joined', server: 'https://tapin.example.org', fixed: false });
    expect(resolveAppMode(dataDir, { TAPIN_SERVER_URL: 'http://10.0.0.5:8787' })).toEqual({ mode: 'joined', server: 'http://10.0.0.5:8787', fixed: true });

    expect(() => resolveAppMode(dataDir, { TAPIN_SERVER_URL: 'ftp://tapin' })).toThrow(/TAPIN_SERVER_URL: .*http/);
    writeFileSync(join(dataDir, APP_MODE_FILE), '{"mode":"joined"}');
    expect(() => resolveAppMode(dataDir, {})).toThrow(APP_MODE_FILE);
    writeFileSync(join(dataDir, APP_MODE_FILE), '{"mode":"standalone"}');
    expect(resolveAppMode(dataDir, {})).toEqual({ mode: 'standalone', fixed: false });
  });

  it('is asked over IPC on first start: a server is checked to be TapIn, then the choice recorded; unless the administrator fixed it', async () => {
    const t = await server();
    const dataDir = dataFolder();
    const restarts: unknown[] = [];
    const env: Record<string, string> = {};
    const appMode = appModeControl(dataDir, env, (mode) => restarts.push(mode));
    const { bridge } = joinedApp(dataDir, t.url, { appMode });
    expect(await bridge.appMode?.current()).toEqual({ mode: 'unchosen', fixed: false });
    await expect(bridge.appMode?.choose({ mode: 'joined', server: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });

    // Nothing listening, and something that is not TapIn: said, and nothing recorded.
    const elsewhere = createServer((request, response) =>
      request.url?.startsWith('/moved/')
        ? response.writeHead(301, { location: 'https://tapin.example.org/healthz' }).end()
        : response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>'),
    );
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const port = (elsewhere.address() as AddressInfo).port;
    await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    await expect(bridge.appMode?.choose({ mode: 'joined', server: `http://127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE', status: 503, message: expect.stringContaining('ECONNREFUSED') });
    await new Promise<void>((resolve) => elsewhere.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));
    await expect(bridge.appMode?.choose({ mode: 'joined', server: `http://127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'NOT_A_TAPIN_SERVER', status: 400 });
    await expect(bridge.appMode?.choose({ mode: 'joined', server: `http://127.0.0.1:${port}/moved` })).rejects.toMatchObject({
      code: 'SERVER_REDIRECTS',
      message: `http://127.0.0.1:${port} redirects to https://tapin.example.org`,
    });
    expect(existsSync(join(dataDir, APP_MODE_FILE))).toBe(false);
    expect(restarts).toEqual([]);

    await bridge.appMode?.choose({ mode: 'joined', server: `${t.url}/` });
    expect(restarts).toEqual([{ mode: 'joined', server: t.url }]);
    expect(JSON.parse(readFileSync(join(dataDir, APP_MODE_FILE), 'utf8'))).toEqual({ mode: 'joined', server: t.url });
    expect(await bridge.appMode?.current()).toEqual({ mode: 'joined', server: t.url, fixed: false });

    // Asked once: the window cannot move a set-up kiosk elsewhere, nor the administrator's fixed one.
    await expect(bridge.appMode?.choose({ mode: 'standalone' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'this kiosk app is set up already' });
    env.TAPIN_SERVER_URL = t.url;
    await expect(bridge.appMode?.choose({ mode: 'standalone' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(restarts).toHaveLength(1);
  });

  it('answers nothing but the question before it is answered', async () => {
    const dataDir = dataFolder();
    const main = kioskIpcOver(unchosenBackend(), (url) => url === KIOSK_PAGE, appModeControl(dataDir, {}, () => undefined));
    const invoke = (channel: string, ...args: unknown[]) => main.handlers[channel]?.({ windowId: 1, frameUrl: KIOSK_PAGE, post: () => undefined }, ...args);
    expect(await invoke('tapin:app-mode')).toEqual({ ok: true, value: { mode: 'unchosen', fixed: false } });
    for (const channel of ['tapin:kiosk-info', 'tapin:create-session', 'tapin:exchange', 'tapin:user-request']) {
      expect(await invoke(channel), channel).toMatchObject({ ok: false, code: 'APP_NOT_SET_UP', status: 409 });
    }
    expect(await invoke('tapin:choose-mode', { mode: 'standalone' })).toEqual({ ok: true, value: null });
    expect(resolveAppMode(dataDir, {})).toEqual({ mode: 'standalone', fixed: false });
  });
});
