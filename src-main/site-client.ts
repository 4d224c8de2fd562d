import { webKioskBridge } from '../src-renderer/src/bridge/web-kiosk-bridge.ts';
import { ApiError, type HttpMethod, type LoginSession } from '../src-renderer/src/bridge/types.ts';
import type { KioskBackend } from './kiosk-backend.ts';
import type { KioskKeyStore } from './kiosk-key-store.ts';
import { isUserCall } from '../src-server/http/in-process.ts';

export interface SiteClientOptions {
  /** The site's TapIn server (app-mode.ts's `serverBase`). */
  server: string;
  keyStore: KioskKeyStore;
  /** Told to the server on the kiosk events socket (the console lists it). */
  appVersion?: string;
  /** How often a session's status is polled while its WebSocket is down. */
  pollMs?: number;
}


/**
 * A joined kiosk's backend: main talks to the site's server over HTTP and WebSocket with the kiosk key,
 * through the very bridge the browser kiosk uses (web-kiosk-bridge.ts; fetch and WebSocket are global in
 * Node ≥ 22, so in Electron's main process). The key lives here and in the key store, never in an answer.
 */
export function siteBackend(options: SiteClientOptions): KioskBackend {
  const origin = new URL(options.server).origin;
  const bridge = webKioskBridge({
    baseUrl: options.server,
    kioskKey: options.keyStore.load(),
    keyStore: options.keyStore,
    ...(options.appVersion ? { appVersion: options.appVersion } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });

  // fetch's own failure ("fetch failed") would reach the window as an internal error: say what it is.
  const reaching = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      throw new ApiError('SERVER_UNREACHABLE', 503, `cannot reach the TapIn server at ${origin}${cause}`);
    }
  };
  // The window names a session by id and kioskSecret; the bridge reads only those (and, once the
  // server forgets the session, an expiry to report: now).
  const sessionRef = (id: string, kioskSecret: string): LoginSession => ({ id, kioskSecret, status: 'pending', createdAt: '', expiresAt: new Date().toISOString(), qrPayload: '' });

  return {
    kioskInfo: () => reaching(() => bridge.kioskInfo()),
    createSession: () => reaching(() => bridge.createSession()),
    exchange: (id, kioskSecret, pin) =>
      reaching(async () => {
        if (!id || !kioskSecret) throw new ApiError('SESSION_NOT_FOUND', 404, 'no such login session');
        return bridge.exchange(sessionRef(encodeURIComponent(id), kioskSecret), pin);
      }),
    logout: (accessToken) => reaching(() => bridge.logout(accessToken)),
    userRequest: (method, path, accessToken, body, bodyType) =>
      reaching(async () => {
        // As the embedded app allows them: the user's PIN and the admin API, never a kiosk route.
        if (!isUserCall(method, path)) throw new ApiError('NOT_FOUND', 404, `no route ${method} /api/v1/${path.slice(0, 80)}`);
        return (await bridge.user.request(method as HttpMethod, path, accessToken, body, bodyType)) ?? null;
      }),
    watchSession(id, kioskSecret, onEvent) {
      if (!id || !kioskSecret) {
        onEvent({ type: 'status', update: { status: 'expired', expiresAt: new Date().toISOString() } });
        return () => undefined;
      }
      return bridge.watchSession(sessionRef(encodeURIComponent(id), kioskSecret), onEvent);
    },
    watchKiosk: (onEvent) => bridge.watchKiosk(onEvent),
    pairing: {
      start: () => reaching(() => bridge.pairing.start()),
      check: (id, pollSecret) =>
        reaching(async () => {
          if (!id || !pollSecret) throw new ApiError('PAIRING_NOT_FOUND', 404, 'no such pairing code');
          return bridge.pairing.check({ id, pollSecret, code: '', expiresAt: '', server: origin });
        }),
    },
  };
}
