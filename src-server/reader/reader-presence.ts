import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bearerToken } from '../http/bearer.ts';
import { errors } from '../http/schemas.ts';
import { kioskChannel, type EventBus } from '../realtime/event-bus.ts';
import type { Services } from '../services.ts';
import type { DeskReaderState } from './reader-protocol.ts';

export const DEFAULT_STATE_TTL_SECONDS = 30;

/**
 * The state desk readers at kiosks (`tapin reader`) report over HTTP, each report good for a while:
 * a reader that stops reporting (unplugged machine, network gone) reads `no-service` once its last
 * report runs out, so the kiosk screen stops showing it ready. Held by this server instance.
 */
export interface ReaderPresence {
  report(kioskId: number, state: DeskReaderState, ttlMs: number): void;
  /** The last state reported for the kiosk (`no-service` once it ran out), if a reader ever reported. */
  state(kioskId: number): DeskReaderState | undefined;
  stop(): void;
}

export function createReaderPresence(bus: EventBus): ReaderPresence {
  const kiosks = new Map<number, { state: DeskReaderState; expiry?: NodeJS.Timeout }>();
  const set = (kioskId: number, state: DeskReaderState, expiry?: NodeJS.Timeout) => {
    const before = kiosks.get(kioskId);
    clearTimeout(before?.expiry);
    kiosks.set(kioskId, { state, expiry });
    if (before?.state !== state) bus.publish(kioskChannel(kioskId), { type: 'reader', state });
  };
  return {
    report(kioskId, state, ttlMs) {
      const expiry = setTimeout(() => set(kioskId, 'no-service'), ttlMs);
      expiry.unref();
      set(kioskId, state, expiry);
    },
    state: (kioskId) => kiosks.get(kioskId)?.state,
    stop() {
      for (const entry of kiosks.values()) clearTimeout(entry.expiry);
    },
  };
}

export const DeskReaderStateSchema = Type.Union([
  Type.Literal('unavailable'),
  Type.Literal('no-service'),
  Type.Literal('no-reader'),
  Type.Literal('ready'),
  Type.Literal('card-present'),
]);

export const ReaderStateBody = Type.Object({
  state: DeskReaderStateSchema,
  /** How long this report holds without another; the reader reports again well before. */
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
});

/** `PUT /kiosk/reader-state`: a desk reader at a kiosk says how it is, with the kiosk's key; its screen hears of it. */
export const readerStateRoutes: FastifyPluginAsyncTypebox<{ services: Services; presence: ReaderPresence }> = async (app, { services, presence }) => {
  app.put(
    '/kiosk/reader-state',
    {
      schema: {
        description: 'The desk reader at this kiosk reports its state (Authorization: Bearer <kiosk key>); it holds for ttlSeconds (default 30), then reads no-service.',
        body: ReaderStateBody,
        response: { 204: Type.Null(), ...errors(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const kiosk = await services.kiosks.authenticate(bearerToken(request));
      presence.report(kiosk.id, request.body.state, (request.body.ttlSeconds ?? DEFAULT_STATE_TTL_SECONDS) * 1000);
      return reply.code(204).send(null);
    },
  );
};
