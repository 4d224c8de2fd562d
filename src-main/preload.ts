import { contextBridge, ipcRenderer } from 'electron';
import { IPC } from './ipc.ts';
import { kioskApiOverIpc } from './preload-api.ts';

// Sandboxed preload: bundled into one CommonJS file that requires nothing but electron. The window
// gets `window.tapin` — the platform and the kiosk API of preload-api.ts — and nothing else.
const kiosk = kioskApiOverIpc({
  invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args) as Promise<never>,
  onEvent: (listener) => ipcRenderer.on(IPC.event, (_event, message: { subscription: number; event: unknown }) => listener(message)),
});

contextBridge.exposeInMainWorld('tapin', Object.freeze({ platform: 'electron' as const, kiosk: Object.freeze(kiosk) }));
