import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { parseAuthMessage, readAuthMessage } from '../realtime/auth-message.ts';
import { signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { watchKiosk } from '../testing/ws-client.ts';
import { appVersionOf, LAST_SEEN_WRITE_INTERVAL_MS } from './kiosk-presence.ts';

const ADMIN_PIN = '4826';
const CLI = { userId: null, source: 'cli' } as const;
const START = Date.parse('2026-03-02T08:00:00Z');

let servers: TestServer[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const server of servers) await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  servers = [];
  dirs = [];
});

/** A real server (on `dir` if given, to restart over the same database), its seed, and an administrator's token. */
async function world(options: { dir?: string; seeded?: { seed: Seed } } = {}) {
  const clock = manualClock(START);
  const t = await startTestServer({}, { clock, dir: options.dir });
  servers.push(t);
  const seed = options.seeded?.seed ?? (await t.seed());
  if (!options.seeded) await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, CLI);
  const admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
  const kiosks = async () => (await t.api('/api/v1/admin/kiosks', { token: admin })).body.items as Record<string, unknown>[];
  const kiosk = async (id: number) => (await kiosks()).find((k) => k.id === id);
  return { t, seed, clock, admin, kiosks, kiosk };
}

/** A kiosk screen's events socket, with whatever auth message it sends; resolves once the server said hello. */
async function openScreen(url: string, auth: Record<string, unknown>) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/kiosk/events`);
  const hello = new Promise<Record<string, unknown>>((resolve, reject) => {
    socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>));
    socket.once('close', (code) => reject(new Error(`closed ${code}`)));
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify(auth));
  return { socket, hello: await hello };
}

describe('kiosk presence in the admin kiosk list', () => {
  it('shows a kiosk whose screen holds its events socket online, with the app version it reported', async () => {
    const { t, kiosk } = await world();
    const lobby = await t.server.services.kiosks.register({ name: 'Hall kiosk' });
    expect(await kiosk(lobby.id)).toMatchObject({ online: false, lastSeenAt: null, appVersion: null, readerState: null });

    const screen = await openScreen(t.url, { type: 'auth', kioskKey: lobby.key, appVersion: '1.4.2' });
    expect(screen.hello).toMatchObject({ type: 'hello', kiosk: { id: lobby.id } });
    expect(await kiosk(lobby.id)).toMatchObject({ online: true, lastSeenAt: new Date(START).toISOString(), appVersion: '1.4.2' });
    screen.socket.close();
  });

  it('accepts an auth message with an unusable appVersion, and ignores the version', async () => {
    const { t, kiosk } = await world();
    const lobby = await t.server.services.kiosks.register({ name: 'Hall kiosk' });
    for (const appVersion of ['x'.repeat(33), 42, '', 'bad\nversion']) {
      const screen = await openScreen(t.url, { type: 'auth', kioskKey: lobby.key, appVersion });
      expect(screen.hello.type).toBe('hello');
      expect(await kiosk(lobby.id)).toMatchObject({ online: true, appVersion: null });
      screen.socket.close();
    }
  });

  it('shows it offline once the socket closes, last seen when it closed', async () => {
    const { t, clock, kiosk } = await world();
    const lobby = await t.server.services.kiosks.register({ name: 'Hall kiosk' });
    const screen = await watchKiosk(t.url, lobby.key);
    await screen.next((m) => m.type === 'hello');
    clock.advance(7 * 60_000);
    // Online means seen now.
    expect(await kiosk(lobby.id)).toMatchObject({ online: true, lastSeenAt: new Date(START + 7 * 60_000).toISOString() });
    screen.socket.close();
    await expect.poll(async () => (await kiosk(lobby.id))?.online).toBe(false);
    clock.advance(5 * 60_000);
    expect(await kiosk(lobby.id)).toMatchObject({ online: false, lastSeenAt: new Date(START + 7 * 60_000).toISOString() });
  });

  it('closes a revoked kiosk’s events socket at once with 4401, so its screen goes back to pairing, and leaves other kiosks alone', async () => {
    const { t } = await world();
    const hall = await t.server.services.kiosks.register({ name: 'Hall kiosk' });
    const lobby = await t.server.services.kiosks.register({ name: 'Other kiosk' });
    const revoked = await watchKiosk(t.url, hall.key);
    const other = await watchKiosk(t.url, lobby.key);
    await revoked.next((m) => m.type === 'hello');
    await other.next((m) => m.type === 'hello');
    await t.server.services.kiosks.revoke(hall.id, CLI);
    expect(await revoked.closed).toEqual({ code: 4401, reason: 'this kiosk was revoked' });
    expect(other.socket.readyState).toBe(WebSocket.OPEN);
    other.socket.close();
  });

  it('stays online while a second screen of the same kiosk is still connected', async () => {
    const { t, kiosk } = await world();
    const lobby = await t.server.services.kiosks.register({ name: 'Hall kiosk' });
    const first = await watchKiosk(t.url, lobby.key);
    const second = await watchKiosk(t.url, lobby.key);
    await first.next((m) => m.type === 'hello');
    await second.next((m) => m.type === 'hello');
    first.socket.close();
    await first.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await kiosk(lobby.id))?.online).toBe(true);
    second.socket.close();
    await expect.poll(async () => (await kiosk(lobby.id))?.online).toBe(false);
  });

  it('shows the reader state a desk reader at the kiosk reported, and no-service once it ran out', async () => {
    const { t, seed, kiosk } = await world();
    const other = await t.server.services.kiosks.register({ name: 'Hall kiosk' });
    expect((await t.api('/api/v1/kiosk/reader-state', { method: 'PUT', token: seed.kioskKey, body: { state: 'ready', ttlSeconds: 1 } })).status).toBe(204);
    expect((await kiosk(seed.kioskId))?.readerState).toBe('ready');
    expect((await kiosk(other.id))?.readerState).toBeNull();
    await expect.poll(async () => (await kiosk(seed.kioskId))?.readerState, { timeout: 3_000 }).toBe('no-service');
  });

  it('shows the state of the desk reader attached to this server for its kiosk', async () => {
    const { t, seed, kiosk } = await world();
    // No pcscd in this test: the in-process reader reads no-service (or unavailable without its module).
    const reader = t.server.attachDeskReader(seed.kioskId);
    expect((await kiosk(seed.kioskId))?.readerState).toBe(reader.state);
    expect(['no-service', 'unavailable', 'no-reader']).toContain(reader.state);
  });

  it('writes last_seen_at for kiosk calls at most once a minute, while the list shows the latest', async () => {
    const { t, clock, kiosk } = await world();
    const lobby = await t.server.services.kiosks.register({ name: 'Hall kiosk' });
    const stored = async () => (await t.server.deps.db.selectFrom('kiosks').select('last_seen_at').where('id', '=', lobby.id).executeTakeFirstOrThrow()).last_seen_at;
    const call = () => t.api('/api/v1/kiosk', { token: lobby.key });

    expect((await call()).status).toBe(200);
    await expect.poll(stored).toBe(START);
    clock.advance(30_000);
    await call();
    expect((await kiosk(lobby.id))?.lastSeenAt).toBe(new Date(START + 30_000).toISOString());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await stored()).toBe(START);
    clock.advance(LAST_SEEN_WRITE_INTERVAL_MS - 30_000);
    await call();
    await expect.poll(stored).toBe(START + LAST_SEEN_WRITE_INTERVAL_MS);
  });

  it('keeps last seen and the app version across a restart, and shows the kiosk offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapin-presence-'));
    dirs.push(dir);
    const first = await world({ dir });
    const lobby = await first.t.server.services.kiosks.register({ name: 'Hall kiosk' });
    const screen = await openScreen(first.t.url, { type: 'auth', kioskKey: lobby.key, appVersion: '2.0.0-rc.1' });
    first.clock.advance(3 * 60_000);
    screen.socket.close();
    await expect.poll(async () => (await first.kiosk(lobby.id))?.online).toBe(false);
    await first.t.close();
    servers = servers.filter((s) => s !== first.t);

    const second = await world({ dir, seeded: { seed: first.seed } });
    expect(await second.kiosk(lobby.id)).toMatchObject({ online: false, lastSeenAt: new Date(START + 3 * 60_000).toISOString(), appVersion: '2.0.0-rc.1' });
  });

  it('writes when a kiosk still connected was last seen as the server stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapin-presence-'));
    dirs.push(dir);
    const first = await world({ dir });
    const lobby = await first.t.server.services.kiosks.register({ name: 'Hall kiosk' });
    const screen = await watchKiosk(first.t.url, lobby.key);
    await screen.next((m) => m.type === 'hello');
    first.clock.advance(45_000);
    await first.t.close();
    servers = servers.filter((s) => s !== first.t);

    const second = await world({ dir, seeded: { seed: first.seed } });
    expect(await second.kiosk(lobby.id)).toMatchObject({ online: false, lastSeenAt: new Date(START + 45_000).toISOString() });
  });
});

describe('the auth message of an events socket', () => {
  it('keeps fields beyond the credential and reads the credential as before', () => {
    const message = JSON.stringify({ type: 'auth', kioskKey: 'tk_x', appVersion: '1.0.0', somethingNew: true });
    expect(readAuthMessage(message, 'kioskKey')).toBe('tk_x');
    expect(parseAuthMessage(message)).toEqual({ type: 'auth', kioskKey: 'tk_x', appVersion: '1.0.0', somethingNew: true });
    for (const bad of ['not json', '[]', '{"type":"hello","kioskKey":"tk_x"}', '{"type":"auth","kioskKey":7}']) expect(readAuthMessage(bad, 'kioskKey')).toBeUndefined();
  });

  it('takes an app version of 1 to 32 printable characters, and nothing else', () => {
    expect(appVersionOf('1.4.2')).toBe('1.4.2');
    expect(appVersionOf(' 0.9.0-beta.3 ')).toBe('0.9.0-beta.3');
    expect(appVersionOf('x'.repeat(32))).toBe('x'.repeat(32));
    for (const bad of ['x'.repeat(33), '', '   ', 'a\u0000b', 'é', 12, null, undefined, {}]) expect(appVersionOf(bad)).toBeUndefined();
  });
});
