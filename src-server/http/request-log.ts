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

/**
 * One line per request, once it is answered, with what an operator looks for: method, path, status,
 * duration and client (Fastify's default is two lines, one on arrival). Paths carry session ids at
 * most; tokens travel in bodies and URL fragments, never here.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, client: request.ip };
    if (error) reply.log.error({ ...line, err: error }, 'request failed');
    else reply.log.info(line, 'request');
  }
}
