import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isAppError } from '../src-server/errors.ts';
import { callInProcess } from '../src-server/http/in-process.ts';
import type { TapinServer } from '../src-server/http/app.ts';
import { kioskChannel, loginSessionChannel } from '../src-server/realtime/event-bus.ts';
import type { DeskReader } from '../src-server/reader/desk-reader.ts';
import { enrollFirstAdministrator, needsFirstAdministrator } from '../src-server/reader/first-administrator.ts';
import type { LoginSessionView } from '../src-server/sessions/login-session.view.ts';
import { IPC, type IpcResult } from './ipc.ts';

/**
 * The main-process side of the kiosk bridge: each handler checks the sender is our own kiosk page,
 * then calls the same services the HTTP routes call. The kiosk key stays here.
 */
export function registerIpcHandlers(
  server: TapinServer,
  kiosk: { id: number; key: string },
  reader: DeskReader,
  isOurPage: (url: string) => boolean,
): void {
  const { services, deps } = server;
  const { config } = deps;
  const watches = new Map<string, () => void>();

  const trusted = (event: IpcMainInvokeEvent) => {
    const url = event.senderFrame?.url ?? '';
    if (!isOurPage(url)) throw new Error(`IPC refused from ${url || 'an unknown frame'}`);
  };

  async function answer<T>(work: () => Promise<T>): Promise<IpcResult<T>> {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      if (isAppError(error)) return { ok: false, code: error.code, status: error.status, message: error.message };
      return { ok: false, code: 'INTERNAL_ERROR', status: 500, message: 'something went wrong in the kiosk app' };
    }
  }

  const handle = <Args extends unknown[], T>(channel: string, work: (...args: Args) => Promise<T>) =>
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      trusted(event);
      return answer(() => work(...(args as Args)));
    });

  const send = (contents: WebContents, subscription: number, event: unknown) => {
    if (!contents.isDestroyed()) contents.send(IPC.event, { subscription, event });
  };
  const toUpdate = (view: LoginSessionView) => ({ status: view.status, expiresAt: view.expiresAt, ...(view.pinRequired ? { pinRequired: true } : {}) });
  const keyOf = (contents: WebContents, subscription: number) => `${contents.id}:${subscription}`;

  handle(IPC.kioskInfo, async () => {
    const row = await services.kiosks.authenticate(kiosk.key);
    return {
      kiosk: { id: row.id, name: row.name, location: row.location },
      settings: { idleLockSeconds: config.idleLockSeconds, sessionTtlSeconds: config.sessionTtlSeconds },
    };
  });
  handle(IPC.createSession, () => services.loginSessions.create(kiosk.key));
  handle(IPC.exchange, (id: string, kioskSecret: string, pin?: string) =>
    services.loginSessions.exchange(id, kioskSecret, { pin: typeof pin === 'string' ? pin : undefined, clientAddress: 'ipc' }),
  );
  handle(IPC.logout, async (accessToken: string) => {
    await services.access.logout(accessToken, { clientAddress: 'ipc' });
    return null;
  });

  // The console's calls go through the very HTTP routes, in-process: same guard, schemas and audit.
  ipcMain.handle(IPC.userRequest, (event, method: string, path: string, accessToken: string, body?: unknown): Promise<IpcResult<unknown>> => {
    trusted(event);
    return callInProcess(server.app, String(method), String(path), String(accessToken), body);
  });

  handle(IPC.firstRunNeeded, () => needsFirstAdministrator(deps.db));
  handle(IPC.claimFirstRun, async () => {
    await enrollFirstAdministrator(reader, deps.db, services);
    return null;
  });

  ipcMain.handle(IPC.watchSession, async (event, subscription: number, id: string, kioskSecret: string) => {
    trusted(event);
    const contents = event.sender;
    const unsubscribe = deps.bus.subscribe(loginSessionChannel(id), (update) => {
      if (update.type === 'status') send(contents, subscription, { type: 'status', update: toUpdate(update.session) });
      else send(contents, subscription, { type: 'rejected', remainingAttempts: update.remainingAttempts });
    });
    watches.set(keyOf(contents, subscription), unsubscribe);
    try {
      const view = await services.loginSessions.watch(id, kioskSecret);
      send(contents, subscription, { type: 'connection', online: true });
      send(contents, subscription, { type: 'status', update: toUpdate(view) });
    } catch {
      send(contents, subscription, { type: 'status', update: { status: 'expired', expiresAt: new Date().toISOString() } });
    }
  });

  ipcMain.handle(IPC.watchKiosk, (event, subscription: number) => {
    trusted(event);
    const contents = event.sender;
    watches.set(keyOf(contents, subscription), deps.bus.subscribe(kioskChannel(kiosk.id), (update) => send(contents, subscription, update)));
    send(contents, subscription, { type: 'reader', state: reader.state });
  });

  ipcMain.handle(IPC.unwatch, (event, subscription: number) => {
    const key = keyOf(event.sender, subscription);
    watches.get(key)?.();
    watches.delete(key);
  });
}
