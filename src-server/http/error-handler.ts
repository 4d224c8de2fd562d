import type { FastifyError, FastifyInstance } from 'fastify';
import { isPostgresUnavailable } from '../db/postgres.ts';
import { isAppError, type ErrorCode } from '../errors.ts';

export interface ErrorBody {
  error: { code: string; message: string };
}

const body = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/** Maps Fastify's own client errors (parsing, validation, limits) onto the API's codes. */
function clientErrorCode(status: number): ErrorCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'INVALID_REQUEST';
  }
}

/** One error shape for the whole API: `{"error": {"code", "message"}}`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) return reply.code(error.status).send(body(error.code, error.message));
    if (error.validation) {
      return reply.code(400).send(body('INVALID_REQUEST', `${error.validationContext ?? 'request'} ${error.validation[0]?.message ?? 'is invalid'}`.replace(/^body /, 'body: ')));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = clientErrorCode(status);
      const message = code === 'PAYLOAD_TOO_LARGE' ? 'the request body is larger than 64 KiB' : error.message;
      return reply.code(status === 404 || status === 413 || status === 415 || status === 429 ? status : 400).send(body(code, message));
    }
    // PostgreSQL away (a restart, a failover): the instance is not ready, and says so as SQLite's full disk does.
    if (isPostgresUnavailable(error)) {
      request.log.error({ err: error }, 'database unavailable');
      return reply.code(503).send(body('STORAGE_UNAVAILABLE', 'the server cannot reach its database right now; try again in a moment'));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(body('INTERNAL_ERROR', 'something went wrong on the server'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(body('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
