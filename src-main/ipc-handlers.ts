import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { TapinServer } from '../src-server/http/app.ts';
import type { DeskReader } from '../src-server/reader/desk-reader.ts';
import { IPC } from './ipc.ts';
import { kioskIpcHandlers, type IpcCaller } from './kiosk-ipc.ts';

/** Wires the kiosk bridge's handlers (kiosk-ipc.ts, tested in Node) to `ipcMain`; nothing else lives here. */
export function registerIpcHandlers(server: TapinServer, kiosk: { id: number; key: string }, reader: DeskReader, isOurPage: (url: string) => boolean): void {
  const { handlers, forgetWindow } = kioskIpcHandlers(server, kiosk, reader, isOurPage);
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
