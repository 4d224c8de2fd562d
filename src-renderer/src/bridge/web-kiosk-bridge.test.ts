import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src-server/audit/audit.repository.ts';
import { startTestServer, type TestServer } from '../../../src-server/testing/test-server.ts';
import { reconnectDelay } from './backoff.ts';
import type { WatchEvent } from './types.ts';
import { webKioskBridge } from './web-kiosk-bridge.ts';

// The browser bridge against a real server; Node 20 has fetch but no WebSocket, so `ws` stands in.
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(overrides = {}, dir?: string) {
  const t = await startTestServer(overrides, dir ? { dir } : {});
  servers.push(t);
  return t;
}

function recorder() {
  const events: WatchEvent[] = [];
  const until = async (match: (e: WatchEvent) => boolean, timeoutMs = 8_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!events.some(match)) {
      if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { events, until, push: (e: WatchEvent) => events.push(e) };
}

describe('reconnectDelay', () => {
  it('doubles from 0.5 s to a 10 s ceiling, jittered by ±20 %', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => reconnectDelay(n, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
    expect(reconnectDelay(0, () => 0)).toBe(400);
    expect(reconnectDelay(0, () => 1)).toBe(600);
  });
});

describe('the web kiosk bridge', () => {
  it('follows a session over the WebSocket until it is authenticated', async () => {
    const t = await server();
    const seed = await t.seed();
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: seed.kioskKey, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    expect((await bridge.kioskInfo()).kiosk.name).toBe('Lobby kiosk');
    const session = await bridge.createSession();
    const watch = recorder();
    const stop = bridge.watchSession(session, watch.push);
    await watch.until((e) => e.type === 'status' && e.update.status === 'pending');
    await t.api('/api/v1/login-sessions/validate', { body: { token: new URL(session.qrPayload).hash.slice(3), badge: { uid: seed.user.uid } } });
    await watch.until((e) => e.type === 'status' && e.update.status === 'authenticated');
    const signedIn = await bridge.exchange(session);
    expect(signedIn.user.displayName).toBe('Grace Hopper');
    await bridge.logout(signedIn.accessToken);
    expect((await t.api('/api/v1/me', { token: signedIn.accessToken })).status).toBe(401);
    stop();
  });

  it('reports the link down when the server goes away, polls, and reconnects when it is back', async () => {
    let t = await server();
    const seed = await t.seed();
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: seed.kioskKey, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, pollMs: 200 });
    const session = await bridge.createSession();
    const watch = recorder();
    const stop = bridge.watchSession(session, watch.push);
    await watch.until((e) => e.type === 'connection' && e.online);

    const { dir } = t;
    const port = Number(new URL(t.url).port);
    await t.server.close();
    servers.splice(servers.indexOf(t), 1);
    await watch.until((e) => e.type === 'connection' && !e.online);

    t = await server({ port }, dir);
    const before = watch.events.length;
    await watch.until((e) => watch.events.indexOf(e) >= before && e.type === 'connection' && e.online);
    // Back online, the session still works end to end.
    await t.api('/api/v1/login-sessions/validate', { body: { token: new URL(session.qrPayload).hash.slice(3), badge: { uid: seed.user.uid } } });
    await watch.until((e) => e.type === 'status' && e.update.status === 'authenticated');
    stop();
  });

  it('treats a session the server no longer knows as expired, so the kiosk starts a new one', async () => {
    const t = await server();
    const seed = await t.seed();
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: seed.kioskKey, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    const session = await bridge.createSession();
    await t.server.deps.db.deleteFrom('login_sessions').execute();
    const watch = recorder();
    const stop = bridge.watchSession(session, watch.push);
    await watch.until((e) => e.type === 'status' && e.update.status === 'expired');
    stop();
  });

  it('pairs: a code, pending until an administrator approves it, then the key is kept and kiosk calls work', async () => {
    const t = await server();
    const saved: string[] = [];
    let forgotten = 0;
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: undefined, keyStore: { save: (key) => saved.push(key), forget: () => forgotten++ } });
    await expect(bridge.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED' });
    const pairing = await bridge.pairing.start();
    expect(pairing.code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(pairing.server).toBe(new URL(t.url).origin);
    expect(await bridge.pairing.check(pairing)).toBe('pending');
    await t.server.services.pairings.approve({ code: pairing.code, name: 'Hall' });
    expect(await bridge.pairing.check(pairing)).toBe('paired');
    expect(saved).toHaveLength(1);
    expect((await bridge.kioskInfo()).kiosk.name).toBe('Hall');
    expect(forgotten).toBe(0);
  });

  it('reports a code that expired or is unknown as such', async () => {
    const t = await server();
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: undefined });
    const pairing = await bridge.pairing.start();
    await expect(bridge.pairing.check({ ...pairing, pollSecret: 'wrong' })).rejects.toMatchObject({ code: 'PAIRING_NOT_FOUND' });
  });

  it('forgets a key the server refuses (a revoked kiosk), on a call and on the kiosk events socket', async () => {
    const t = await server();
    const seed = await t.seed();
    let forgotten = 0;
    const keyStore = { save: () => undefined, forget: () => forgotten++ };
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: seed.kioskKey, keyStore, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    await bridge.kioskInfo();
    await t.server.services.kiosks.revoke(seed.kioskId, CLI_ACTOR);
    await expect(bridge.createSession()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED' });
    expect(forgotten).toBe(1);
    // No key left: refused at once, without asking the server.
    await expect(bridge.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED' });

    const other = webKioskBridge({ baseUrl: t.url, kioskKey: seed.kioskKey, keyStore, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
    const events: string[] = [];
    const stop = other.watchKiosk((event) => events.push(event.type));
    await expect.poll(() => events).toEqual(['keyRefused']);
    expect(forgotten).toBe(2);
    stop();
  });

  it('tells the server its app version when it opens the kiosk events socket', async () => {
    const t = await server();
    const seed = await t.seed();
    const sent: string[] = [];
    // The real socket, with what the kiosk sends on it recorded.
    class RecordingSocket extends WebSocket {
      override send(data: string) {
        sent.push(data);
        super.send(data);
      }
    }
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: seed.kioskKey, appVersion: '1.2.3', WebSocket: RecordingSocket as unknown as typeof globalThis.WebSocket });
    const events: string[] = [];
    const stop = bridge.watchKiosk((event) => events.push(event.type));
    // The server still welcomes a kiosk that says its version (hello → the reader's state).
    await expect.poll(() => events).toContain('reader');
    expect(JSON.parse(sent[0] ?? '{}')).toEqual({ type: 'auth', kioskKey: seed.kioskKey, appVersion: '1.2.3' });
    stop();
  });

  it('turns API errors into ApiError with the API code', async () => {
    const t = await server();
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: 'tk_nope' });
    await expect(bridge.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED', status: 401 });
  });
});
