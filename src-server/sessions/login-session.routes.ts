import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RateLimitConfig } from '../config.ts';
import { bearerToken } from '../http/bearer.ts';
import { keyedRateLimit } from '../http/rate-limits.ts';
import { errors, NO_BEARER } from '../http/schemas.ts';
import type { Services } from '../services.ts';
import {
  CreateBody,
  CreatedLoginSessionSchema,
  ExchangeBody,
  ExchangedSchema,
  InspectBody,
  InspectedSchema,
  LoginSessionViewSchema,
  SessionIdParams,
  ValidateBody,
  ValidatedSchema,
} from './login-session.schemas.ts';
import { loginSessionIdOfToken } from './login-session.token.ts';

export interface LoginSessionRoutesOptions {
  services: Services;
  rateLimit: RateLimitConfig;
  /** Calls to each phone endpoint about one login session per window. */
  sessionRateLimit: number;
}

// Counted by the session the token names, not by the token: guessing at one session's secret counts too.
const sessionOfBody = (request: FastifyRequest): string | undefined => {
  const token = (request.body as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' ? loginSessionIdOfToken(token) : undefined;
};
// A prefix of the kiosk key tells kiosks apart without keeping their credentials in memory.
const kioskOfBearer = (request: FastifyRequest): string | undefined => bearerToken(request)?.slice(0, 24);

export const loginSessionRoutes: FastifyPluginAsyncTypebox<LoginSessionRoutesOptions> = async (app, { services, rateLimit, sessionRateLimit }) => {
  const sessions = services.loginSessions;
  // Per client address: a flood guard only, as a whole site's phones may share one NAT address.
  const phoneRateLimit = { rateLimit: { max: rateLimit.max, timeWindow: rateLimit.windowMs } };
  const perSession = () => keyedRateLimit(app, { max: sessionRateLimit, windowMs: rateLimit.windowMs, key: sessionOfBody, what: 'login session' });
  const perKiosk = keyedRateLimit(app, { max: rateLimit.max, windowMs: rateLimit.windowMs, key: kioskOfBearer, what: 'kiosk' });

  // Kiosk side: the kiosk key creates, the kioskSecret watches and exchanges.
  app.post(
    '/login-sessions',
    {
      schema: { body: CreateBody, response: { 201: CreatedLoginSessionSchema, ...errors(400, 401, 413, 415, 429) } },
      onRequest: perKiosk,
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const created = await sessions.create(bearerToken(request));
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/login-sessions/:id',
    { schema: { params: SessionIdParams, response: { 200: LoginSessionViewSchema, ...errors(400, 404) } } },
    async (request) => sessions.status(request.params.id, bearerToken(request)),
  );

  app.post(
    '/login-sessions/:id/exchange',
    {
      schema: { params: SessionIdParams, body: ExchangeBody, response: { 200: ExchangedSchema, ...errors(400, 401, 403, 404, 409, 413, 415) } },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => sessions.exchange(request.params.id, bearerToken(request), { pin: request.body.pin, clientAddress: request.ip }),
  );

  // Phone side: the token from the QR code is the only credential; both endpoints are rate limited.
  app.post(
    '/login-sessions/inspect',
    {
      config: phoneRateLimit,
      preHandler: perSession(),
      schema: { security: NO_BEARER, body: InspectBody, response: { 200: InspectedSchema, ...errors(400, 404, 413, 415, 429) } },
    },
    async (request) => sessions.inspect(request.body.token),
  );

  app.post(
    '/login-sessions/validate',
    {
      config: phoneRateLimit,
      preHandler: perSession(),
      schema: { security: NO_BEARER, body: ValidateBody, response: { 200: ValidatedSchema, ...errors(400, 401, 404, 409, 410, 413, 415, 429) } },
    },
    async (request) =>
      sessions.validate({
        token: request.body.token,
        badge: request.body.badge,
        source: 'phone',
        clientAddress: request.ip,
      }),
  );
};
