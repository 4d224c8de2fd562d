import { isAppError } from '../src-server/errors.ts';
import { callInProcess } from '../src-server/http/in-process.ts';
import type { TapinServer } from '../src-server/http/app.ts';
import { kioskChannel } from '../src-server/realtime/event-bus.ts';
import { followLoginSession } from '../src-server/realtime/follow-login-session.ts';
import type { DeskReader } from '../src-server/reader/desk-reader.ts';
import { enrollFirstAdministrator, needsFirstAdministrator } from '../src-server/reader/first-administrator.ts';
import type { LoginSessionView } from '../src-server/sessions/login-session.view.ts';
import { IPC, type IpcResult } from './ipc.ts';

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

/**
 * The main-process side of the kiosk bridge, without Electron: a handler per IPC channel, each of which
 * checks the caller is our own kiosk page, then calls the same services the HTTP routes call. The kiosk
 * key stays here. `ipc-handlers.ts` wires these to `ipcMain`; tests call them directly.
 */
export function kioskIpcHandlers(
  server: TapinServer,
  kiosk: { id: number; key: string },
  reader: Pick<DeskReader, 'state' | 'captureNextTap'>,
  isOurPage: (url: string) => boolean,
): { handlers: Record<string, IpcHandler>; forgetWindow(windowId: number): void } {
  const { services, deps } = server;
  const { config } = deps;
  const watches = new Map<string, () => void>();
  const keyOf = (caller: IpcCaller, subscription: unknown) => `${caller.windowId}:${String(subscription)}`;

  const trusted = (caller: IpcCaller) => {
    if (!isOurPage(caller.frameUrl)) throw new Error(`IPC refused from ${caller.frameUrl || 'an unknown frame'}`);
  };

  async function answer<T>(work: () => Promise<T>): Promise<IpcResult<T>> {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      if (isAppError(error)) return { ok: false, code: error.code, status: error.status, message: error.message };
      return { ok: false, code: 'INTERNAL_ERROR', status: 500, message: 'something went wrong in the kiosk app' };
    }
  }

  // Whatever crosses from the window is untyped at run time: strings are made strings here.
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const toUpdate = (view: LoginSessionView) => ({ status: view.status, expiresAt: view.expiresAt, ...(view.pinRequired ? { pinRequired: true } : {}) });

  const handlers: Record<string, IpcHandler> = {
    [IPC.kioskInfo]: () =>
      answer(async () => {
        const row = await services.kiosks.authenticate(kiosk.key);
        return {
          kiosk: { id: row.id, name: row.name, location: row.location },
          settings: { idleLockSeconds: config.idleLockSeconds, sessionTtlSeconds: config.sessionTtlSeconds },
        };
      }),
    [IPC.createSession]: () => answer(() => services.loginSessions.create(kiosk.key)),
    [IPC.exchange]: (_caller, id, kioskSecret, pin) =>
      answer(() => services.loginSessions.exchange(text(id), text(kioskSecret), { pin: typeof pin === 'string' ? pin : undefined, clientAddress: 'ipc' })),
    [IPC.logout]: (_caller, accessToken) =>
      answer(async () => {
        await services.access.logout(text(accessToken), { clientAddress: 'ipc' });
        return null;
      }),
    // The console's calls go through the very HTTP routes, in-process: same guard, schemas and audit.
    [IPC.userRequest]: (_caller, method, path, accessToken, body) => callInProcess(server.app, text(method), text(path), text(accessToken), body),
    [IPC.firstRunNeeded]: () => answer(() => needsFirstAdministrator(deps.db)),
    [IPC.claimFirstRun]: () =>
      answer(async () => {
        await enrollFirstAdministrator(reader, deps.db, services);
        return null;
      }),

    [IPC.watchSession]: async (caller, subscription, id, kioskSecret) => {
      const post = (event: unknown) => caller.post({ subscription: Number(subscription), event });
      // The first event delivered is the current status, once the kioskSecret is proven: "online" then.
      let proven = false;
      const follow = followLoginSession(services, deps.bus, text(id), text(kioskSecret), (event) => {
        if (!proven) post({ type: 'connection', online: (proven = true) });
        post(event.type === 'status' ? { type: 'status', update: toUpdate(event.session) } : { type: 'rejected', remainingAttempts: event.remainingAttempts });
      });
      watches.set(keyOf(caller, subscription), follow.stop);
      try {
        await follow.ready;
      } catch {
        // Unknown session or wrong kioskSecret: told it is over, and told nothing more about it.
        watches.delete(keyOf(caller, subscription));
        post({ type: 'status', update: { status: 'expired', expiresAt: new Date().toISOString() } });
      }
      return null;
    },
    [IPC.watchKiosk]: async (caller, subscription) => {
      const post = (event: unknown) => caller.post({ subscription: Number(subscription), event });
      watches.set(keyOf(caller, subscription), deps.bus.subscribe(kioskChannel(kiosk.id), post));
      post({ type: 'reader', state: reader.state });
      return null;
    },
    [IPC.unwatch]: async (caller, subscription) => {
      const key = keyOf(caller, subscription);
      watches.get(key)?.();
      watches.delete(key);
      return null;
    },
  };

  for (const [channel, handler] of Object.entries(handlers)) {
    handlers[channel] = (caller, ...args) => {
      trusted(caller);
      return handler(caller, ...args);
    };
  }

  return {
    handlers,
    /** A window closed: its watches end with it. */
    forgetWindow(windowId) {
      for (const [key, unsubscribe] of watches) {
        if (key.startsWith(`${windowId}:`)) {
          unsubscribe();
          watches.delete(key);
        }
      }
    },
  };
}
