import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServerConfig } from '../config.ts';
import { bearerToken } from '../http/bearer.ts';
import { errors, NO_BEARER } from '../http/schemas.ts';
import type { Services } from '../services.ts';
import { CreatedPairingSchema, CreatePairingBody, PairingIdParams, PairingStatusSchema } from './pairing.schemas.ts';

/**
 * The kiosk's side of pairing: anyone may ask for a code (rate limited per client address, like the
 * phone's endpoints), and only the holder of the poll secret learns the outcome.
 */
const PAIRINGS_PER_WINDOW = 60;

export const pairingRoutes: FastifyPluginAsyncTypebox<{ services: Services; config: ServerConfig }> = async (app, { services, config }) => {
  const pairings = services.pairings;
  // Starting a pairing needs no login and writes a row: a site images dozens of kiosks at once, not
  // hundreds a minute, so the generous per-address flood guard is capped lower here.
  const rateLimit = { rateLimit: { max: Math.min(config.rateLimit.max, PAIRINGS_PER_WINDOW), timeWindow: config.rateLimit.windowMs } };

  app.post(
    '/kiosk-pairings',
    {
      config: rateLimit,
      schema: {
        tags: ['kiosk pairing'],
        summary: 'A kiosk asks for a pairing code to show an administrator',
        security: NO_BEARER,
        body: CreatePairingBody,
        response: { 201: CreatedPairingSchema, ...errors(400, 413, 415, 429) },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => reply.code(201).send(await pairings.create({ name: request.body.name })),
  );

  app.get(
    '/kiosk-pairings/:id',
    {
      schema: {
        tags: ['kiosk pairing'],
        summary: 'The kiosk polls with its poll secret: pending, or approved with its key (once)',
        params: PairingIdParams,
        response: { 200: PairingStatusSchema, ...errors(400, 404, 410) },
      },
    },
    async (request, reply) => {
      // The first approved answer is the only one that carries the key: no cache may keep it.
      void reply.header('cache-control', 'no-store');
      return pairings.status(request.params.id, bearerToken(request));
    },
  );
};
