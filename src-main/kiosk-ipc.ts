import { ApiError } from '../src-renderer/src/bridge/types.ts';
import { callInProcess } from '../src-server/http/in-process.ts';
import type { TapinServer } from '../src-server/http/app.ts';
import { kioskChannel } from '../src-server/realtime/event-bus.ts';
import { followLoginSession } from '../src-server/realtime/follow-login-session.ts';
import type { DeskReader } from '../src-server/reader/desk-reader.ts';
import { enrollFirstAdministrator, needsFirstAdministrator } from '../src-server/reader/first-administrator.ts';
import type { LoginSessionView } from '../src-server/sessions/login-session.view.ts';
import { kioskIpcOver, type AppModeControl, type KioskBackend, type KioskIpc } from './kiosk-backend.ts';

export type { IpcCaller, IpcHandler } from './kiosk-backend.ts';

const toUpdate = (view: LoginSessionView) => ({ status: view.status, expiresAt: view.expiresAt, ...(view.pinRequired ? { pinRequired: true } : {}) });

/**
 * The standalone app's backend: the embedded server's services, called in-process, with this machine's
 * own kiosk key (kiosk-identity.ts), which stays here.
 */
export function embeddedBackend(server: TapinServer, kiosk: { id: number; key: string }, reader: Pick<DeskReader, 'state' | 'captureNextTap'>): KioskBackend {
  const { services, deps } = server;
  const { config } = deps;

  return {
    async kioskInfo() {
      const row = await services.kiosks.authenticate(kiosk.key);
      return {
        kiosk: { id: row.id, name: row.name, location: row.location },
        settings: { idleLockSeconds: config.idleLockSeconds, sessionTtlSeconds: config.sessionTtlSeconds },
      };
    },
    createSession: () => services.loginSessions.create(kiosk.key),
    exchange: (id, kioskSecret, pin) => services.loginSessions.exchange(id, kioskSecret, { pin, clientAddress: 'ipc' }),
    async logout(accessToken) {
      // An enrollment the administrator left waiting at the reader ends with their session (a no-op for anyone else).
      await callInProcess(server.app, 'DELETE', 'admin/reader/enrollments', accessToken);
      await services.access.logout(accessToken, { clientAddress: 'ipc' });
    },
    // The console's calls go through the very HTTP routes, in-process: same guard, schemas and audit.
    async userRequest(method, path, accessToken, body, bodyType) {
      const answer = await callInProcess(server.app, method, path, accessToken, body, bodyType);
      if (!answer.ok) throw new ApiError(answer.code, answer.status, answer.message);
      return answer.value;
    },
    watchSession(id, kioskSecret, onEvent) {
      // The first event delivered is the current status, once the kioskSecret is proven: "online" then.
      let proven = false;
      const follow = followLoginSession(services, deps.bus, id, kioskSecret, (event) => {
        if (!proven) onEvent({ type: 'connection', online: (proven = true) });
        onEvent(event.type === 'status' ? { type: 'status', update: toUpdate(event.session) } : { type: 'rejected', remainingAttempts: event.remainingAttempts });
      });
      // Unknown session or wrong kioskSecret: told it is over, and told nothing more about it.
      follow.ready.catch(() => onEvent({ type: 'status', update: { status: 'expired', expiresAt: new Date().toISOString() } }));
      return follow.stop;
    },
    watchKiosk(onEvent) {
      // A revoked standalone app has nothing to pair with: its calls are refused from then on.
      const unsubscribe = deps.bus.subscribe(kioskChannel(kiosk.id), (event) => event.type !== 'revoked' && onEvent(event));
      onEvent({ type: 'reader', state: reader.state });
      return unsubscribe;
    },
    firstRun: {
      needed: () => needsFirstAdministrator(deps.db),
      async claim() {
        await enrollFirstAdministrator(reader, deps.db, services);
      },
    },
  };
}

/** The standalone app's IPC handlers (kiosk-backend.ts) over its embedded server. */
export function kioskIpcHandlers(
  server: TapinServer,
  kiosk: { id: number; key: string },
  reader: Pick<DeskReader, 'state' | 'captureNextTap'>,
  isOurPage: (url: string) => boolean,
  appMode?: AppModeControl,
): KioskIpc {
  return kioskIpcOver(embeddedBackend(server, kiosk, reader), isOurPage, appMode);
}
