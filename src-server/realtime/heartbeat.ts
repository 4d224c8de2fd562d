import type { WebSocketServer, WebSocket } from 'ws';

/**
 * Pings every open socket on an interval and drops those that did not answer the last ping,
 * so kiosks behind a dead network link do not linger as watchers.
 */
export function startHeartbeat(server: WebSocketServer, intervalMs = 30_000): () => void {
  const alive = new WeakSet<WebSocket>();
  server.on('connection', (socket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
  });
  const timer = setInterval(() => {
    for (const socket of server.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
