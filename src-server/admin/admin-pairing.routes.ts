import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../http/schemas.ts';
import { ApprovedPairingSchema, ApprovePairingBody } from '../pairing/pairing.schemas.ts';
import type { Services } from '../services.ts';
import { adminOf } from './admin-access.ts';

/** An administrator approves the code a kiosk shows: the kiosk is registered and collects its key. */
export const adminPairingRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/admin/kiosk-pairings/approve',
    {
      schema: {
        tags: ['admin: kiosks'],
        summary: "Approves a kiosk's pairing code: registers the kiosk, whose key goes to that kiosk only",
        body: ApprovePairingBody,
        response: { 201: ApprovedPairingSchema, ...errors(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request, reply) => reply.code(201).send(await services.pairings.approve(request.body, adminOf(request).actor)),
  );
};
