import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TapinDb } from '../db/open.ts';
import type { StorageMonitor } from '../db/storage.ts';
import { AppError } from '../errors.ts';
import { ErrorSchema, NO_BEARER } from './schemas.ts';

// A probe writes a row; load balancers ask every few seconds, anyone on the LAN may ask far more often.
const PROBE_EVERY_MS = 1_000;

/**
 * `GET /readyz`: 200 when this instance can serve a login now — the database answers, takes a real
 * write, and is still the file it opened — else 503 with the reason. `/healthz` only says the process lives.
 */
export const readinessRoutes: FastifyPluginAsync<{ db: TapinDb; storage: StorageMonitor }> = async (app, { db, storage }) => {
  let last: { at: number; problem: string | undefined } | undefined;
  let pending: Promise<string | undefined> | undefined;

  // The probe's write proves the database answers too.
  const check = () => storage.probe(db);

  app.get(
    '/readyz',
    { schema: { security: NO_BEARER, response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: ErrorSchema } } },
    async () => {
      // A file found moved since the last probe is not waited on for a second.
      if (!last || performance.now() - last.at >= PROBE_EVERY_MS || (storage.problem && !last.problem)) {
        pending ??= check()
          .catch((error: unknown) => (error instanceof Error ? error.message : String(error)))
          .finally(() => (pending = undefined));
        const problem = await pending;
        last = { at: performance.now(), problem };
      }
      if (last.problem) throw new AppError('NOT_READY', last.problem);
      return { status: 'ready' as const };
    },
  );
};
