/** What the kiosk screen knows of the API, in the API's own words (API.md). */
export type LoginSessionStatus = 'pending' | 'authenticated' | 'consumed' | 'expired';

export interface KioskInfo {
  kiosk: { id: number; name: string; location: string | null };
  settings: { idleLockSeconds: number; sessionTtlSeconds: number };
}

export interface LoginSession {
  id: string;
  kioskSecret: string;
  status: LoginSessionStatus;
  createdAt: string;
  expiresAt: string;
  qrPayload: string;
}

export interface SessionUpdate {
  status: LoginSessionStatus;
  expiresAt: string;
  /** The badge's holder must type their PIN on this screen before the exchange. */
  pinRequired?: boolean;
}

export interface User {
  id: number;
  displayName: string;
  role: 'user' | 'admin';
}

export interface SignedIn {
  accessToken: string;
  expiresAt: string;
  user: User;
  previousLogin: { at: string; kiosk: { name: string; location: string | null } | null } | null;
}

/** The desk reader's state as the server reports it; null when no reader is attached to this kiosk. */
export type ReaderState = 'unavailable' | 'no-service' | 'no-reader' | 'ready' | 'card-present';

/**
 * What the server tells a kiosk screen about itself; `keyRefused`: the server no longer accepts this
 * kiosk's key (revoked), which the bridge has forgotten.
 */
export type KioskEvent = { type: 'signedOut'; userId: number } | { type: 'reader'; state: ReaderState | null } | { type: 'keyRefused' };

/** A pairing code on the kiosk's screen (API.md, "Pairing a kiosk with a server"). */
export interface PairingCode {
  id: string;
  /** `XXXX-XXXX`, for an administrator to approve. */
  code: string;
  pollSecret: string;
  expiresAt: string;
  /** The origin of the server this kiosk is pairing with, shown so the administrator approves on the right one. */
  server: string;
}

/** How the Electron kiosk app runs: its own embedded server, or joined to a site's server. */
export type KioskAppMode = { mode: 'standalone' } | { mode: 'joined'; server: string };

/** The app's mode as the first-start question sees it; `fixed`: set by the administrator's environment, not askable. */
export type KioskAppModeView = (KioskAppMode | { mode: 'unchosen' }) & { fixed: boolean };

export type WatchEvent =
  | { type: 'status'; update: SessionUpdate }
  | { type: 'rejected'; remainingAttempts: number }
  | { type: 'connection'; online: boolean };

/** An API answer that was an error: its stable code and HTTP status (and Retry-After, in seconds, if sent). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: string, status: number, message: string, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The error a kiosk call meets when this kiosk has no key, or the server refused the one it had. */
export const notPaired = () => new ApiError('KIOSK_UNAUTHORIZED', 401, 'this kiosk is not paired with the server');

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** How a request's body is sent: JSON (the default), or a CSV file's text as `text/csv` (a people import). */
export type BodyType = 'json' | 'csv';

/**
 * A call to `/api/v1/<path>` with a user's access token: the JSON answer (text for CSV, undefined for
 * 204), or an ApiError. Over fetch in a browser, over IPC into the embedded server in Electron.
 */
export interface UserTransport {
  request(method: HttpMethod, path: string, accessToken: string, body?: unknown, bodyType?: BodyType): Promise<unknown>;
}

/**
 * Everything the kiosk screen asks of the outside world. The browser uses fetch + WebSocket
 * (web-kiosk-bridge.ts); the Electron app will implement the same over IPC. No component knows which.
 */
export interface KioskBridge {
  /**
   * Who this kiosk is; throws ApiError KIOSK_UNAUTHORIZED when it is not (or no longer) registered.
   * The bridge keeps the kiosk key: a key the server refuses is forgotten, and every kiosk call throws
   * KIOSK_UNAUTHORIZED until the kiosk is paired again.
   */
  kioskInfo(): Promise<KioskInfo>;
  createSession(): Promise<LoginSession>;
  /** Follows a session until stopped: status changes, rejected badges, and the link's health. */
  watchSession(session: LoginSession, onEvent: (event: WatchEvent) => void): () => void;
  /** Follows what happens to the kiosk itself: its desk reader, sign-outs made at the reader. */
  watchKiosk(onEvent: (event: KioskEvent) => void): () => void;
  exchange(session: LoginSession, pin?: string): Promise<SignedIn>;
  logout(accessToken: string): Promise<void>;
  /** The signed-in user's own calls (`/api/v1/me/…`, and `/api/v1/admin/…` for administrators). */
  user: UserTransport;
  /** Pairing this kiosk with its server, when it has no key (or lost it). */
  pairing: {
    /** A new code to show; each call is a new code (the previous one is abandoned). */
    start(): Promise<PairingCode>;
    /**
     * Asks whether the code was approved: `paired` once the key has arrived and is kept (kiosk calls
     * work from then on). Throws ApiError: PAIRING_EXPIRED / PAIRING_NOT_FOUND (show a new code),
     * RATE_LIMITED (retryAfterSeconds), or a plain error when the server cannot be reached.
     */
    check(pairing: PairingCode): Promise<'pending' | 'paired'>;
  };
  /** Only in the Electron kiosk app: the first-start question ("This computer only" or "Join a TapIn server"). */
  appMode?: {
    current(): Promise<KioskAppModeView>;
    /** Records the choice; the app restarts in that mode. */
    choose(mode: KioskAppMode): Promise<void>;
  };
  /** Only in the local Electron kiosk: make the next badge tapped on its reader the administrator's. */
  firstRun?: {
    needed(): Promise<boolean>;
    claim(): Promise<void>;
  };
}
