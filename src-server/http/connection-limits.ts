import type { Server, Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { HttpLimitsConfig } from '../config.ts';
import { rawErrorAnswer } from './client-errors.ts';

export const isLoopbackAddress = (address: string): boolean => address.startsWith('127.') || address === '::1';

/**
 * Node checks the header and request timeouts on this interval (30 s by default, which would let a
 * slow client keep its socket up to twice as long as allowed).
 */
export const timeoutCheckInterval = (limits: HttpLimitsConfig): number => Math.round(Math.max(50, Math.min(1_000, limits.headersTimeoutMs / 4)));

const REFUSAL = rawErrorAnswer('TOO_MANY_CONNECTIONS', 'too many connections from this address; close some and try again', 'retry-after: 5\r\n');
// A refused socket that never closes its side is dropped after this long.
const REFUSAL_GRACE_MS = 1_000;

export interface ConnectionCapOptions {
  max: number;
  /** Addresses never counted (IPv4-mapped IPv6 addresses arrive as plain IPv4). */
  uncapped: (address: string) => boolean;
  log: FastifyBaseLogger;
  /** Answer a refused socket with a 429 before closing it; a TLS server just closes it, as no handshake was made. */
  answerRefusals?: boolean;
  /** One warning per address per this interval, however many connections it is refused meanwhile. */
  warnEveryMs?: number;
}

/**
 * Caps the connections one remote address holds open, so that one client cannot take every file
 * descriptor. Sockets past the cap never reach the HTTP parser: they get a 429 in the API's error
 * shape and are closed (over TLS, closed at once); past twice the cap they are closed at once, so
 * refusing stays cheap too.
 */
export function capConnectionsPerAddress(server: Server, { max, uncapped, log, answerRefusals = true, warnEveryMs = 60_000 }: ConnectionCapOptions): void {
  const open = new Map<string, number>();
  const warned = new Map<string, { at: number; refused: number }>();
  // Node's HTTP server reads a socket from its own 'connection' listener: run it only for sockets let in.
  const accept = server.listeners('connection');
  server.removeAllListeners('connection');
  const letIn = (socket: Socket) => {
    for (const listener of accept) Reflect.apply(listener, server, [socket]);
  };

  const warn = (address: string) => {
    const now = performance.now();
    const last = warned.get(address);
    if (last && now - last.at < warnEveryMs) {
      last.refused++;
      return;
    }
    // Entries are in the order they were warned: the stale ones are at the front.
    for (const [stale, entry] of warned) {
      if (now - entry.at < warnEveryMs) break;
      warned.delete(stale);
    }
    warned.set(address, { at: now, refused: 0 });
    log.warn({ client: address, connectionsPerAddress: max, refusedSinceLastWarning: last?.refused }, 'too many connections from one address: refusing new ones');
  };

  server.on('connection', (socket: Socket) => {
    const remote = socket.remoteAddress;
    const address = remote?.startsWith('::ffff:') ? remote.slice(7) : remote;
    if (address === undefined || uncapped(address)) return letIn(socket);
    const count = (open.get(address) ?? 0) + 1;
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
    if (count <= max) return letIn(socket);
    warn(address);
    // A reset from the peer is expected here; without a listener it would be thrown.
    socket.on('error', () => socket.destroy());
    if (count > 2 * max || !answerRefusals) {
      socket.destroy();
      return;
    }
    // What it sent is read and dropped, so the close is a FIN after the answer rather than a reset.
    socket.resume();
    socket.end(REFUSAL);
    setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS).unref();
  });
}

/**
 * An upgrade request answered without upgrading (refused by a hook before @fastify/websocket saw it:
 * foreign Host, no Host, phone-only) has left Node's HTTP parser and every timeout: close its socket.
 */
export function installUpgradeRefusalClose(app: FastifyInstance): void {
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.headers.upgrade !== undefined) request.raw.socket.destroy();
    done();
  });
}
