import { describe, expect, it } from 'vitest';
import { callInProcess } from '../../../src-server/http/in-process.ts';
import { startTestServer } from '../../../src-server/testing/test-server.ts';
import { ipcKioskBridge, type ElectronKioskApi } from './ipc-kiosk-bridge.ts';
import { ApiError } from './types.ts';

// A stand-in for the Electron preload's `window.tapin.kiosk`: the Electron binary cannot run here.
// Its userRequest is what the main process does with it (ipc-handlers.ts): callInProcess on the server.
function preloadStandIn(userRequest: ElectronKioskApi['userRequest'] = async () => ({ ok: true, value: null })): ElectronKioskApi {
  const refused = { ok: false as const, code: 'KIOSK_UNAUTHORIZED', status: 401, message: 'not registered' };
  return {
    kioskInfo: async () => refused,
    createSession: async () => ({ ok: true, value: { id: 's', kioskSecret: 'k', status: 'pending', createdAt: '', expiresAt: '', qrPayload: 'x' } }),
    exchange: async () => refused,
    logout: async () => ({ ok: true, value: null }),
    userRequest,
    watchSession: () => () => undefined,
    watchKiosk: () => () => undefined,
    firstRunNeeded: async () => ({ ok: true, value: true }),
    claimFirstRun: async () => refused,
  };
}

describe('the IPC kiosk bridge', () => {
  it('turns refused answers into the same ApiError the web bridge throws', async () => {
    const bridge = ipcKioskBridge(preloadStandIn());
    const error = await bridge.kioskInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'KIOSK_UNAUTHORIZED', status: 401 });
    expect((await bridge.createSession()).id).toBe('s');
    await expect(bridge.logout('token')).resolves.toBeUndefined();
  });
});

describe("the console's calls from the kiosk app's window", () => {
  it('reach the admin API in-process, with its guard, even when the server faces the LAN with phone routes only', async () => {
    // No socket counts as local here, as for a phone on the LAN: only in-process calls get past that.
    const t = await startTestServer({}, { phoneOnlyOffLoopback: () => false });
    try {
      const seed = await t.seed();
      await t.server.services.users.setPin(seed.secretUser.id, '4826', { userId: null, source: 'cli' });
      const { services } = t.server;
      const signInAt = async (uid: string, secret?: string, pin?: string) => {
        const session = await services.loginSessions.create(seed.kioskKey);
        await services.loginSessions.validate({ token: session.token, badge: { uid, secret }, source: 'phone' });
        return (await services.loginSessions.exchange(session.id, session.kioskSecret, { pin })).accessToken;
      };
      const admin = await signInAt(seed.secretUser.uid, seed.secretUser.secret, '4826');
      const user = await signInAt(seed.user.uid);
      expect((await t.api('/api/v1/admin/users', { token: admin })).status).toBe(404);
      const bridge = ipcKioskBridge(preloadStandIn((method, path, token, body) => callInProcess(t.server.app, method, path, token, body)));

      const users = (await bridge.user.request('GET', 'admin/users?sort=name', admin)) as { total: number };
      expect(users.total).toBe(2);
      expect(await bridge.user.request('POST', 'admin/users', admin, { displayName: 'Mary Jackson' })).toMatchObject({ displayName: 'Mary Jackson' });
      expect(await bridge.user.request('GET', 'admin/audit.csv', admin)).toMatch(/^id,at,event/);
      await expect(bridge.user.request('GET', 'admin/users', user)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
      await expect(bridge.user.request('POST', 'admin/users', admin, { displayName: '' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
      // Only the user's own routes: not the kiosk's, and no way out of them.
      for (const path of ['login-sessions', 'admin/../login-sessions', 'kiosk', 'me']) {
        await expect(bridge.user.request('GET', path, admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      }
    } finally {
      await t.close();
    }
  });
});
