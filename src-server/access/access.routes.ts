import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bearerToken } from '../http/bearer.ts';
import { UserSchema, errors } from '../http/schemas.ts';
import type { Services } from '../services.ts';
import type { Deps } from '../deps.ts';
import { OwnPinBody } from '../admin/admin.schemas.ts';
import { changeOwnPin } from '../users/own-pin.ts';

export const accessRoutes: FastifyPluginAsyncTypebox<{ services: Services; deps: Deps }> = async (app, { services, deps }) => {
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

  app.put(
    '/me/pin',
    {
      schema: {
        summary: 'Sets or changes your own PIN (changing needs currentPin)',
        body: OwnPinBody,
        response: { 204: Type.Null(), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await changeOwnPin(deps, services, bearerToken(request), request.body, request.ip);
      return reply.code(204).send(null);
    },
  );
};
