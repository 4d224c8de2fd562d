import { contextBridge, ipcRenderer } from 'electron';
import type { ElectronKioskApi } from '../src-renderer/src/bridge/ipc-kiosk-bridge.ts';
import { IPC } from './ipc.ts';

// Sandboxed preload: CommonJS, nothing but electron at run time (the imports above are a type and
// constants inlined by the build). The window gets a few named functions and nothing else; answers
// cross as plain `IpcResult`s, since errors lose their fields on the way through contextBridge.

const listeners = new Map<number, (event: unknown) => void>();
let nextSubscription = 1;
ipcRenderer.on(IPC.event, (_event, message: { subscription: number; event: unknown }) => listeners.get(message.subscription)?.(message.event));

function watch(channel: string, onEvent: (event: never) => void, ...args: unknown[]): () => void {
  const subscription = nextSubscription++;
  listeners.set(subscription, onEvent as (event: unknown) => void);
  void ipcRenderer.invoke(channel, subscription, ...args);
  return () => {
    listeners.delete(subscription);
    void ipcRenderer.invoke(IPC.unwatch, subscription);
  };
}

const api: ElectronKioskApi = {
  kioskInfo: () => ipcRenderer.invoke(IPC.kioskInfo),
  createSession: () => ipcRenderer.invoke(IPC.createSession),
  exchange: (id, kioskSecret, pin) => ipcRenderer.invoke(IPC.exchange, id, kioskSecret, pin),
  logout: (accessToken) => ipcRenderer.invoke(IPC.logout, accessToken),
  userRequest: (method, path, accessToken, body) => ipcRenderer.invoke(IPC.userRequest, method, path, accessToken, body),
  watchSession: (id, kioskSecret, onEvent) => watch(IPC.watchSession, onEvent, id, kioskSecret),
  watchKiosk: (onEvent) => watch(IPC.watchKiosk, onEvent),
  firstRunNeeded: () => ipcRenderer.invoke(IPC.firstRunNeeded),
  claimFirstRun: () => ipcRenderer.invoke(IPC.claimFirstRun),
};

contextBridge.exposeInMainWorld('tapin', Object.freeze({ platform: 'electron' as const, kiosk: Object.freeze(api) }));
