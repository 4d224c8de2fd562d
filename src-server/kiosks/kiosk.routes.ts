import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ServerConfig } from '../config.ts';
import { bearerToken } from '../http/bearer.ts';
import { errors } from '../http/schemas.ts';
import type { Services } from '../services.ts';

const KioskSelfSchema = Type.Object({
  kiosk: Type.Object({ id: Type.Integer(), name: Type.String(), location: Type.Union([Type.String(), Type.Null()]) }),
  settings: Type.Object({ idleLockSeconds: Type.Integer(), sessionTtlSeconds: Type.Integer() }),
});

/** `GET /kiosk`: a kiosk screen learns who it is and how to behave, and whether its key still works. */
export const kioskRoutes: FastifyPluginAsyncTypebox<{ services: Services; config: ServerConfig }> = async (app, { services, config }) => {
  app.get('/kiosk', { schema: { response: { 200: KioskSelfSchema, ...errors(401) } } }, async (request) => {
    const kiosk = await services.kiosks.authenticate(bearerToken(request));
    return {
      kiosk: { id: kiosk.id, name: kiosk.name, location: kiosk.location },
      settings: { idleLockSeconds: config.idleLockSeconds, sessionTtlSeconds: config.sessionTtlSeconds },
    };
  });
};
