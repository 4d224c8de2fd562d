import { ApiError, type BodyType, type HttpMethod, type KioskAppMode, type KioskAppModeView, type KioskBridge, type KioskEvent, type KioskInfo, type LoginSession, type PairingCode, type SignedIn, type WatchEvent } from './types.ts';

/** An answer from the main process: a value, or an API error with its stable code. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; code: string; status: number; message: string };

/** What the Electron preload exposes as `window.tapin.kiosk`. */
export interface ElectronKioskApi {
  kioskInfo(): Promise<IpcResult<KioskInfo>>;
  createSession(): Promise<IpcResult<LoginSession>>;
  exchange(id: string, kioskSecret: string, pin?: string): Promise<IpcResult<SignedIn>>;
  logout(accessToken: string): Promise<IpcResult<null>>;
  userRequest(method: HttpMethod, path: string, accessToken: string, body?: unknown, bodyType?: BodyType): Promise<IpcResult<unknown>>;
  watchSession(id: string, kioskSecret: string, onEvent: (event: WatchEvent) => void): () => void;
  watchKiosk(onEvent: (event: KioskEvent) => void): () => void;
  firstRunNeeded(): Promise<IpcResult<boolean>>;
  claimFirstRun(): Promise<IpcResult<null>>;
  /** Joined mode: pairing with a site server, the main process keeping the key it gets. */
  startPairing?(): Promise<IpcResult<PairingCode>>;
  checkPairing?(id: string, pollSecret: string): Promise<IpcResult<'pending' | 'paired'>>;
  /** The first-start question: which mode this app runs in. */
  appMode?(): Promise<IpcResult<KioskAppModeView>>;
  chooseMode?(mode: KioskAppMode): Promise<IpcResult<null>>;
}

// The standalone app registers itself with its embedded server: it has nothing to pair with.
const pairingUnavailable = () => Promise.reject(new ApiError('PAIRING_UNAVAILABLE', 501, 'pairing is not available in the standalone app, which registers itself'));

declare global {
  interface Window {
    /** Present only inside the Electron kiosk app. */
    tapin?: { platform: 'electron'; kiosk: ElectronKioskApi };
  }
}

async function unwrap<T>(answer: Promise<IpcResult<T>>): Promise<T> {
  const result = await answer;
  if (!result.ok) throw new ApiError(result.code, result.status, result.message);
  return result.value;
}

/** The kiosk bridge inside Electron: the same interface as the web one, over IPC instead of HTTP. */
export function ipcKioskBridge(api: ElectronKioskApi): KioskBridge {
  const { appMode, chooseMode } = api;
  return {
    kioskInfo: () => unwrap(api.kioskInfo()),
    createSession: () => unwrap(api.createSession()),
    exchange: (session, pin) => unwrap(api.exchange(session.id, session.kioskSecret, pin)),
    logout: async (accessToken) => {
      await unwrap(api.logout(accessToken));
    },
    user: {
      request: (method, path, accessToken, body, bodyType) => unwrap(api.userRequest(method, path, accessToken, body, bodyType)),
    },
    watchSession: (session, onEvent) => api.watchSession(session.id, session.kioskSecret, onEvent),
    watchKiosk: (onEvent) => api.watchKiosk(onEvent),
    pairing: {
      start: () => (api.startPairing ? unwrap(api.startPairing()) : pairingUnavailable()),
      check: (pairing) => (api.checkPairing ? unwrap(api.checkPairing(pairing.id, pairing.pollSecret)) : pairingUnavailable()),
    },
    ...(appMode && chooseMode
      ? {
          appMode: {
            current: () => unwrap(appMode()),
            choose: async (mode: KioskAppMode) => {
              await unwrap(chooseMode(mode));
            },
          },
        }
      : {}),
    firstRun: {
      needed: () => unwrap(api.firstRunNeeded()),
      claim: async () => {
        await unwrap(api.claimFirstRun());
      },
    },
  };
}
