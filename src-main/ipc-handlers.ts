import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC } from './ipc.ts';
import type { IpcCaller, KioskIpc } from './kiosk-backend.ts';

/** Wires the kiosk bridge's handlers (kiosk-backend.ts, tested in Node) to `ipcMain`; nothing else lives here. */
export function registerIpcHandlers({ handlers, forgetWindow }: KioskIpc): void {
  const known = new Set<number>();

  const callerOf = (event: IpcMainInvokeEvent): IpcCaller => {
    const contents = event.sender;
    if (!known.has(contents.id)) {
      known.add(contents.id);
      const id = contents.id;
      contents.once('destroyed', () => {
        known.delete(id);
        forgetWindow(id);
      });
    }
    return {
      windowId: contents.id,
      frameUrl: event.senderFrame?.url ?? '',
      post: (message) => {
        if (!contents.isDestroyed()) contents.send(IPC.event, message);
      },
    };
  };

  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => handler(callerOf(event), ...args));
  }
}
