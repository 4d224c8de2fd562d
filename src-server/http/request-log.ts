import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type DestinationStream } from 'pino';

/**
 * Standard output, written asynchronously and in batches: lines are queued and go out 4 KiB at a time,
 * or at the latest a fifth of a second after they were logged, instead of a blocking write per line
 * on the way of every answer. Flushed when the server closes.
 */
export function asyncStdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 });
}

/** Writes out what is still queued (at shutdown). */
export function flushLog(stream: DestinationStream): void {
  if ('flushSync' in stream && typeof stream.flushSync === 'function') stream.flushSync();
}

// Refusals worth an operator's eye at the default level: a wrong key, token, badge or PIN, a step-up
// or role refused, a client slowed down by the rate limit.
const SECURITY_STATUSES = new Set([401, 403, 429]);

/**
 * One line per request, once it is answered, with what an operator looks for: method, path, status,
 * duration and client (Fastify's default is two lines, one on arrival). Failures (5xx) are logged at
 * `error` and refusals (401, 403, 429) at `info`; everything else at `debug`, since a line per
 * successful request costs a third of a small request's time and the audit log already records
 * every sign-in. Paths carry session ids at most; tokens travel in bodies and URL fragments.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const { statusCode } = reply;
    const level = error || statusCode >= 500 ? 'error' : SECURITY_STATUSES.has(statusCode) ? 'info' : 'debug';
    if (level === 'debug' && !DEBUG_LEVELS.has(reply.log.level)) return;
    const line = { method: request.method, url: request.url, statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, client: request.ip };
    if (level === 'error') reply.log.error({ ...line, ...(error ? { err: error } : {}) }, 'request failed');
    else reply.log[level](line, 'request');
  }
}

const DEBUG_LEVELS = new Set(['debug', 'trace']);
