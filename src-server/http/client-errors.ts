import { maxHeaderSize, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyInstance } from 'fastify';
import { errorStatus, type ErrorCode } from '../errors.ts';
import { securityHeaders } from './security-headers.ts';

const HEADERS = Object.entries({ ...securityHeaders(), 'content-type': 'application/json; charset=utf-8', connection: 'close' })
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** A whole HTTP/1.1 answer in the API's error shape, written straight to a socket Fastify has no request for. */
export function rawErrorAnswer(code: ErrorCode, message: string, extraHeaders = ''): string {
  const status = errorStatus[code];
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${HEADERS}${extraHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const TIMED_OUT = rawErrorAnswer('REQUEST_TIMEOUT', 'the request was not sent in time');
const HEADERS_TOO_LARGE = rawErrorAnswer('HEADERS_TOO_LARGE', `the request headers are larger than ${maxHeaderSize / 1024} KiB`);
const CHUNK_EXTENSIONS_TOO_LARGE = rawErrorAnswer('PAYLOAD_TOO_LARGE', 'the chunk extensions are too large');

function answerFor(error: ConnectionError & { reason?: unknown }): string {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return TIMED_OUT;
    case 'HPE_HEADER_OVERFLOW':
      return HEADERS_TOO_LARGE;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return CHUNK_EXTENSIONS_TOO_LARGE;
    default:
      return rawErrorAnswer('INVALID_REQUEST', `malformed HTTP request${typeof error.reason === 'string' ? `: ${error.reason}` : ''}`);
  }
}

/**
 * Fastify's `clientErrorHandler`: what Node's parser refuses (garbage, bad headers, headers too large)
 * and the header and request timeouts, answered in the API's error shape before the socket is closed.
 */
export function answerClientError(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Not the error itself: it carries the raw request bytes, bearer tokens included.
  this.log.debug({ code: error.code, client: socket.remoteAddress }, 'malformed or unfinished request');
  // As Node does: never write into an answer already under way on this socket.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(answerFor(error));
  socket.destroy();
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2); Node's own check would answer an empty 400. */
export function installHostRequired(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      void reply.code(400).header('connection', 'close').send({ error: { code: 'INVALID_REQUEST', message: 'an HTTP/1.1 request needs a Host header' } });
      return;
    }
    done();
  });
}
