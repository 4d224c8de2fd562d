import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseBadgeUid } from '../badges/badge.service.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { bearerToken } from '../http/bearer.ts';
import { errors } from '../http/schemas.ts';
import { tapAtKiosk } from '../reader/desk-reader.taps.ts';
import type { Services } from '../services.ts';

export const ReaderTapBody = Type.Object({
  badge: Type.Object({
    // Optional in the schema only so that a SUN-only badge gets its own answer below.
    uid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    secret: Type.Optional(Type.String({ maxLength: 256 })),
    sun: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  }),
});

export const ReaderTapSchema = Type.Object({
  outcome: Type.Union([Type.Literal('signed_in'), Type.Literal('signed_out')]),
  user: Type.Object({ displayName: Type.String() }),
});

/**
 * `POST /kiosk/reader-taps`: a desk reader at a kiosk (`tapin reader`) reports a badge tapped on it,
 * with the kiosk's key; the tap means what it means for `serve --reader` (tap-in, tap-out, tap-over).
 * Rate limited like the phone's validation: a kiosk key buys no more badge guesses than a phone.
 */
export const readerTapsRoutes: FastifyPluginAsyncTypebox<{ deps: Deps; services: Services }> = async (app, { deps, services }) => {
  const { rateLimit } = deps.config;
  app.post(
    '/kiosk/reader-taps',
    {
      config: { rateLimit: { max: rateLimit.max, timeWindow: rateLimit.windowMs } },
      schema: {
        description: 'A badge tapped on the desk reader at this kiosk (Authorization: Bearer <kiosk key>). badge.sun (NTAG 424 DNA) is not accepted yet: 400.',
        body: ReaderTapBody,
        response: { 200: ReaderTapSchema, ...errors(400, 401, 404, 413, 415, 429) },
      },
    },
    async (request) => {
      const kiosk = await services.kiosks.authenticate(bearerToken(request));
      const { uid, secret, sun } = request.body.badge;
      if (uid === undefined) {
        throw new AppError(
          'INVALID_REQUEST',
          sun === undefined ? 'badge.uid is required' : 'SUN messages (NTAG 424 DNA) are not verified by this server yet; send the badge as badge.uid',
        );
      }
      const tap = tapAtKiosk(deps, services, kiosk.id, { source: 'reader-agent', clientAddress: request.ip });
      return tap({ uid: parseBadgeUid(uid), secret });
    },
  );
};
