import { describe, expect, it } from 'vitest';
import { ipcKioskBridge, type ElectronKioskApi } from './ipc-kiosk-bridge.ts';
import { ApiError } from './types.ts';

// A stand-in for the Electron preload's `window.tapin.kiosk`: the Electron binary cannot run here.
function preloadStandIn(): ElectronKioskApi {
  const refused = { ok: false as const, code: 'KIOSK_UNAUTHORIZED', status: 401, message: 'not registered' };
  return {
    kioskInfo: async () => refused,
    createSession: async () => ({ ok: true, value: { id: 's', kioskSecret: 'k', status: 'pending', createdAt: '', expiresAt: '', qrPayload: 'x' } }),
    exchange: async () => refused,
    logout: async () => ({ ok: true, value: null }),
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
