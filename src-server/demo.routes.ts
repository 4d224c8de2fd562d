import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TapinDb } from './db/open.ts';
import { NO_BEARER } from './http/schemas.ts';

const DemoBadgesSchema = Type.Object({
  badges: Type.Array(Type.Object({ uid: Type.String(), displayName: Type.String() })),
});

/**
 * `GET /demo/badges`, registered only under `--demo`: the phone page offers these as buttons so the
 * flow can be tried from a laptop with no NFC. Badges with a secret are never listed.
 */
export const demoRoutes: FastifyPluginAsyncTypebox<{ db: TapinDb }> = async (app, { db }) => {
  app.get('/demo/badges', { schema: { security: NO_BEARER, response: { 200: DemoBadgesSchema } } }, async () => {
    const rows = await db
      .selectFrom('badges')
      .innerJoin('users', 'users.id', 'badges.user_id')
      .select(['badges.uid', 'users.display_name'])
      .where('badges.revoked_at', 'is', null)
      .where('badges.secret_hash', 'is', null)
      .where('users.disabled_at', 'is', null)
      .orderBy('badges.id')
      .limit(20)
      .execute();
    return { badges: rows.map((r) => ({ uid: r.uid, displayName: r.display_name })) };
  });
};
