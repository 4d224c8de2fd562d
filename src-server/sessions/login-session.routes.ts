import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RateLimitConfig } from '../config.ts';
import { bearerToken } from '../http/bearer.ts';
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

export interface LoginSessionRoutesOptions {
  services: Services;
  rateLimit: RateLimitConfig;
}

export const loginSessionRoutes: FastifyPluginAsyncTypebox<LoginSessionRoutesOptions> = async (app, { services, rateLimit }) => {
  const sessions = services.loginSessions;
  const phoneRateLimit = { rateLimit: { max: rateLimit.max, timeWindow: rateLimit.windowMs } };

  // Kiosk side: the kiosk key creates, the kioskSecret watches and exchanges.
  app.post(
    '/login-sessions',
    {
      schema: { body: CreateBody, response: { 201: CreatedLoginSessionSchema, ...errors(400, 401, 413, 415) } },
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
    { config: phoneRateLimit, schema: { security: NO_BEARER, body: InspectBody, response: { 200: InspectedSchema, ...errors(400, 404, 413, 415, 429) } } },
    async (request) => sessions.inspect(request.body.token),
  );

  app.post(
    '/login-sessions/validate',
    { config: phoneRateLimit, schema: { security: NO_BEARER, body: ValidateBody, response: { 200: ValidatedSchema, ...errors(400, 401, 404, 409, 410, 413, 415, 429) } } },
    async (request) =>
      sessions.validate({
        token: request.body.token,
        badge: request.body.badge,
        source: 'phone',
        clientAddress: request.ip,
      }),
  );
};
