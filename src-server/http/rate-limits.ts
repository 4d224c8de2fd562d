import type { CreateRateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

export interface KeyedLimitOptions {
  max: number;
  windowMs: number;
  /** What requests are counted by (a login session, a kiosk); undefined leaves the request to the other limits. */
  key: (request: FastifyRequest) => string | undefined;
  /** Names what was limited in the 429's message ("login session"). */
  what: string;
  /** Keys remembered at once; the least recently seen are forgotten first. */
  cache?: number;
}

// An empty key stands for "not counted here".
const UNCOUNTED = '';

/**
 * A rate limit counted by something other than the client address, as a route hook: past `max` in a
 * window, `429 RATE_LIMITED` in the API's shape with Retry-After. Uses @fastify/rate-limit's own store,
 * so it stacks with a route's per-address `config.rateLimit` (the plugin runs one of those per request).
 */
export function keyedRateLimit(app: FastifyInstance, { max, windowMs, key, what, cache = 10_000 }: KeyedLimitOptions) {
  // `cache` sizes the store's LRU; the plugin reads it at run time though its types omit it.
  const options: CreateRateLimitOptions & { cache: number } = {
    max,
    timeWindow: windowMs,
    keyGenerator: (request) => key(request) ?? UNCOUNTED,
    allowList: (_request, counted) => counted === UNCOUNTED,
    cache,
  };
  const check = app.createRateLimit(options);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const limit = await check(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    void reply.header('retry-after', limit.ttlInSeconds);
    throw new AppError('RATE_LIMITED', `too many requests for this ${what}; retry in ${limit.ttlInSeconds} s`);
  };
}
