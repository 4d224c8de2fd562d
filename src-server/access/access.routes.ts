import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bearerToken } from '../http/bearer.ts';
import { UserSchema, errors } from '../http/schemas.ts';
import type { Services } from '../services.ts';

export const accessRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/me',
    { schema: { response: { 200: Type.Object({ user: UserSchema }), ...errors(401) } } },
    async (request) => ({ user: await services.access.me(bearerToken(request)) }),
  );

  app.post(
    '/logout',
    {
      schema: { response: { 204: Type.Null(), ...errors(401) } },
    },
    async (request, reply) => {
      await services.access.logout(bearerToken(request), { clientAddress: request.ip });
      return reply.code(204).send(null);
    },
  );
};
