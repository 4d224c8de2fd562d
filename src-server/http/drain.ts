import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What a draining server needs of its sockets: every one it holds (an upgraded WebSocket is no longer
 * the HTTP server's to close), and upgrades refused once it closes, so that a screen reconnecting at that
 * moment goes to another instance rather than onto a socket that would hold the shutdown up.
 */
export function trackSockets(server: Server) {
  const sockets = new Set<Socket>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.prependListener('upgrade', (_request, socket: Socket) => {
    if (closing) socket.destroy();
  });
  return {
    get closing(): boolean {
      return closing;
    },
    /** From now on, upgrades are refused. */
    startClosing(): void {
      closing = true;
    },
    /** Cuts every socket still open (after the drain period). */
    destroyAll(): void {
      for (const socket of sockets) socket.destroy();
    },
  };
}
