import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
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

  it('turns API errors into ApiError with the API code', async () => {
    const t = await server();
    const bridge = webKioskBridge({ baseUrl: t.url, kioskKey: 'tk_nope' });
    await expect(bridge.kioskInfo()).rejects.toMatchObject({ code: 'KIOSK_UNAUTHORIZED', status: 401 });
  });
});
