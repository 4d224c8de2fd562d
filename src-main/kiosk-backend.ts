import { ApiError, type BodyType, type KioskAppMode, type KioskAppModeView, type KioskEvent, type KioskInfo, type LoginSession, type PairingCode, type SignedIn, type WatchEvent } from '../src-renderer/src/bridge/types.ts';
import { parseAppMode } from './app-mode.ts';
import { IPC, type IpcResult } from './ipc.ts';

/**
 * "The TapIn service" as the kiosk app's main process sees it, in one of two modes: embedded
 * (kiosk-ipc.ts, the in-process server's services) or joined (site-client.ts, HTTP + WebSocket to a
 * site's server). The IPC handlers below call this and nothing else; the kiosk key stays behind it.
 * Errors are thrown with a stable `code` and HTTP `status` (the server's AppError, the bridge's ApiError).
 */
export interface KioskBackend {
  kioskInfo(): Promise<KioskInfo>;
  createSession(): Promise<LoginSession>;
  exchange(id: string, kioskSecret: string, pin: string | undefined): Promise<SignedIn>;
  logout(accessToken: string): Promise<void>;
  /** A signed-in user's own call (`me/pin`, `admin/…`): the JSON or text answer, null for 204. A `csv` body is its text. */
  userRequest(method: string, path: string, accessToken: string, body: unknown, bodyType?: BodyType): Promise<unknown>;
  /** Follows a session; an unknown session or wrong kioskSecret is told `expired`, and nothing more. */
  watchSession(id: string, kioskSecret: string, onEvent: (event: WatchEvent) => void): () => void;
  watchKiosk(onEvent: (event: KioskEvent) => void): () => void;
  /** Joined mode only: pairing with the site's server; the key lands behind the backend. */
  pairing?: {
    start(): Promise<PairingCode>;
    check(id: string, pollSecret: string): Promise<'pending' | 'paired'>;
  };
  /** The window is gone (closed, reloaded, crashed): what it was doing ends with it. */
  windowClosed?(): void;
  /** Embedded mode only: the first badge tapped on this kiosk's reader becomes the administrator's. */
  firstRun?: {
    needed(): Promise<boolean>;
    claim(): Promise<void>;
  };
}

/** The window a call came from, as main sees it: Electron's WebContents and sender frame, reduced. */
export interface IpcCaller {
  /** Stable for the life of the window; watches are kept per window. */
  readonly windowId: number;
  /** The URL of the frame that called. */
  readonly frameUrl: string;
  /** Sends one `{ subscription, event }` on the event channel, unless the window is gone. */
  post(message: { subscription: number; event: unknown }): void;
}

export type IpcHandler = (caller: IpcCaller, ...args: unknown[]) => Promise<unknown>;

export interface KioskIpc {
  handlers: Record<string, IpcHandler>;
  /** A window closed: its watches end with it. */
  forgetWindow(windowId: number): void;
}

/** The first-start question's two ends in main (app-mode.ts reads and writes the choice). */
export interface AppModeControl {
  current(): KioskAppModeView;
  /** Records the choice; the app restarts in that mode. */
  choose(mode: KioskAppMode): Promise<void>;
}

const hasCode = (error: unknown): error is { code: string; status: number; message: string } =>
  error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { status?: unknown }).status === 'number';

async function answer<T>(work: () => Promise<T>): Promise<IpcResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (hasCode(error)) return { ok: false, code: error.code, status: error.status, message: error.message };
    return { ok: false, code: 'INTERNAL_ERROR', status: 500, message: 'something went wrong in the kiosk app' };
  }
}

// Whatever crosses from the window is untyped at run time: strings are made strings here.
const text = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * The main-process side of the kiosk bridge, without Electron, for either mode: a handler per IPC
 * channel, each of which checks the caller is our own kiosk page, then calls the backend.
 * `ipc-handlers.ts` wires these to `ipcMain`; tests call them directly.
 */
export function kioskIpcOver(backend: KioskBackend, isOurPage: (url: string) => boolean, appMode?: AppModeControl): KioskIpc {
  const watches = new Map<string, () => void>();
  const keyOf = (caller: IpcCaller, subscription: unknown) => `${caller.windowId}:${String(subscription)}`;
  const watch = (caller: IpcCaller, subscription: unknown, start: (post: (event: unknown) => void) => () => void) => {
    const post = (event: unknown) => caller.post({ subscription: Number(subscription), event });
    watches.set(keyOf(caller, subscription), start(post));
    return Promise.resolve(null);
  };
  const { pairing, firstRun } = backend;

  const handlers: Record<string, IpcHandler> = {
    [IPC.kioskInfo]: () => answer(() => backend.kioskInfo()),
    [IPC.createSession]: () => answer(() => backend.createSession()),
    [IPC.exchange]: (_caller, id, kioskSecret, pin) => answer(() => backend.exchange(text(id), text(kioskSecret), typeof pin === 'string' ? pin : undefined)),
    [IPC.logout]: (_caller, accessToken) =>
      answer(async () => {
        await backend.logout(text(accessToken));
        return null;
      }),
    [IPC.userRequest]: (_caller, method, path, accessToken, body, bodyType) =>
      answer(async () => {
        if (bodyType !== 'csv') return backend.userRequest(text(method), text(path), text(accessToken), body);
        if (typeof body !== 'string') throw new ApiError('INVALID_REQUEST', 400, 'a CSV body is the text of the file');
        return backend.userRequest(text(method), text(path), text(accessToken), body, 'csv');
      }),
    [IPC.watchSession]: (caller, subscription, id, kioskSecret) => watch(caller, subscription, (post) => backend.watchSession(text(id), text(kioskSecret), post)),
    [IPC.watchKiosk]: (caller, subscription) => watch(caller, subscription, (post) => backend.watchKiosk(post)),
    [IPC.unwatch]: async (caller, subscription) => {
      const key = keyOf(caller, subscription);
      watches.get(key)?.();
      watches.delete(key);
      return null;
    },
    // A joined kiosk's administrator is set up on the site's server, never at a kiosk.
    [IPC.firstRunNeeded]: () => answer(() => firstRun?.needed() ?? Promise.resolve(false)),
    [IPC.claimFirstRun]: () =>
      answer(async () => {
        if (!firstRun) throw new ApiError('FORBIDDEN', 403, 'this kiosk joins a TapIn server, whose administrators are set up there');
        await firstRun.claim();
        return null;
      }),
    [IPC.startPairing]: () => answer(() => (pairing ? pairing.start() : Promise.reject(pairingUnavailable()))),
    [IPC.checkPairing]: (_caller, id, pollSecret) => answer(() => (pairing ? pairing.check(text(id), text(pollSecret)) : Promise.reject(pairingUnavailable()))),
    [IPC.appMode]: () => answer(async () => appMode?.current() ?? { mode: 'standalone', fixed: true }),
    [IPC.chooseMode]: (_caller, choice) =>
      answer(async () => {
        // Asked once, on the first start: a window may not move a set-up kiosk to another server, or off it.
        const current = appMode?.current();
        if (!appMode || current?.fixed) throw new ApiError('FORBIDDEN', 403, "this kiosk app's mode is set by its administrator");
        if (current?.mode !== 'unchosen') throw new ApiError('FORBIDDEN', 403, 'this kiosk app is set up already');
        await appMode.choose(parseAppMode(choice));
        return null;
      }),
  };

  for (const [channel, handler] of Object.entries(handlers)) {
    handlers[channel] = async (caller, ...args) => {
      if (!isOurPage(caller.frameUrl)) throw new Error(`IPC refused from ${caller.frameUrl || 'an unknown frame'}`);
      return handler(caller, ...args);
    };
  }

  return {
    handlers,
    forgetWindow(windowId) {
      for (const [key, unsubscribe] of watches) {
        if (key.startsWith(`${windowId}:`)) {
          unsubscribe();
          watches.delete(key);
        }
      }
      backend.windowClosed?.();
    },
  };
}

/**
 * The app before its first-start question is answered: no server, no site, nothing to sign in to. The
 * window asks the question instead of calling these; each says why it cannot answer.
 */
export function unchosenBackend(): KioskBackend {
  const notSetUp = () => Promise.reject(new ApiError('APP_NOT_SET_UP', 409, 'this kiosk app is not set up yet: choose "This computer only" or "Join a TapIn server"'));
  return {
    kioskInfo: notSetUp,
    createSession: notSetUp,
    exchange: notSetUp,
    logout: notSetUp,
    userRequest: notSetUp,
    watchSession: () => () => undefined,
    watchKiosk: () => () => undefined,
  };
}

const pairingUnavailable = () => new ApiError('PAIRING_UNAVAILABLE', 501, 'pairing is not available in the standalone app, which registers itself');
