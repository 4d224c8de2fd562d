import type { ElectronKioskApi } from '../src-renderer/src/bridge/ipc-kiosk-bridge.ts';
import { IPC } from './ipc.ts';

/** The two things the preload needs of Electron's `ipcRenderer`. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<never>;
  /** Every `{ subscription, event }` main sends on the event channel. */
  onEvent(listener: (message: { subscription: number; event: unknown }) => void): void;
}

/**
 * What the preload exposes as `window.tapin.kiosk`: a few named functions over IPC, nothing else.
 * Answers cross as plain `IpcResult`s, since errors lose their fields on the way through contextBridge.
 * No Electron import here, so tests run it against the main side's handlers in Node.
 */
export function kioskApiOverIpc(ipc: RendererIpc): ElectronKioskApi {
  const listeners = new Map<number, (event: unknown) => void>();
  let nextSubscription = 1;
  ipc.onEvent((message) => listeners.get(message.subscription)?.(message.event));

  function watch(channel: string, onEvent: (event: never) => void, ...args: unknown[]): () => void {
    const subscription = nextSubscription++;
    listeners.set(subscription, onEvent as (event: unknown) => void);
    void ipc.invoke(channel, subscription, ...args);
    return () => {
      listeners.delete(subscription);
      void ipc.invoke(IPC.unwatch, subscription);
    };
  }

  return {
    kioskInfo: () => ipc.invoke(IPC.kioskInfo),
    createSession: () => ipc.invoke(IPC.createSession),
    exchange: (id, kioskSecret, pin) => ipc.invoke(IPC.exchange, id, kioskSecret, pin),
    logout: (accessToken) => ipc.invoke(IPC.logout, accessToken),
    userRequest: (method, path, accessToken, body, bodyType) => ipc.invoke(IPC.userRequest, method, path, accessToken, body, bodyType),
    watchSession: (id, kioskSecret, onEvent) => watch(IPC.watchSession, onEvent, id, kioskSecret),
    watchKiosk: (onEvent) => watch(IPC.watchKiosk, onEvent),
    firstRunNeeded: () => ipc.invoke(IPC.firstRunNeeded),
    claimFirstRun: () => ipc.invoke(IPC.claimFirstRun),
    startPairing: () => ipc.invoke(IPC.startPairing),
    checkPairing: (id, pollSecret) => ipc.invoke(IPC.checkPairing, id, pollSecret),
    appMode: () => ipc.invoke(IPC.appMode),
    chooseMode: (mode) => ipc.invoke(IPC.chooseMode, mode),
  };
}
