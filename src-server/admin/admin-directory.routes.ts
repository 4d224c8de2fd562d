import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors } from '../http/schemas.ts';
import type { DeskReader } from '../reader/desk-reader.ts';
import type { Services } from '../services.ts';
import { adminOf } from './admin-access.ts';
import {
  AccessIdParams,
  AccessListQuery,
  AccessListSchema,
  BadgeListSchema,
  CreateKioskBody,
  CreateUserBody,
  EnrollBadgeBody,
  EnrolledBadgeSchema,
  IdParams,
  KioskListSchema,
  KioskSummarySchema,
  PinBody,
  RegisteredKioskSchema,
  RevokeBadgeBody,
  RevokedBadgeSchema,
  RevokedCountSchema,
  UpdateKioskBody,
  UpdateUserBody,
  UserListQuery,
  UserListSchema,
  UserSummarySchema,
} from './admin.schemas.ts';

const id = (params: { id: string }) => Number(params.id);
const clamp = (raw: string | undefined, fallback: number, max: number) => Math.min(max, raw === undefined ? fallback : Number(raw));

/** Users and their badges and PINs, kiosks, and live access sessions. */
export const adminDirectoryRoutes: FastifyPluginAsyncTypebox<{
  services: Services;
  /** The desk reader on this machine, if any, and the kiosk it serves. */
  reader: () => { reader: DeskReader; kioskId: number } | undefined;
}> = async (app, { services, reader }) => {
  const { users, badges, kiosks, access } = services;
  const userTag = { tags: ['admin: users'] };
  const kioskTag = { tags: ['admin: kiosks'] };

  app.get(
    '/admin/users',
    { schema: { ...userTag, summary: 'Search, sort and page through users', querystring: UserListQuery, response: { 200: UserListSchema, ...errors(400, 401, 403) } } },
    async (request) => {
      const q = request.query;
      return users.list({ q: q.q, role: q.role, status: q.status ?? 'all', sort: q.sort, order: q.order, limit: clamp(q.limit, 50, 200), offset: clamp(q.offset, 0, Number.MAX_SAFE_INTEGER) });
    },
  );

  app.post(
    '/admin/users',
    { schema: { ...userTag, summary: 'Creates a user (optionally with a PIN)', body: CreateUserBody, response: { 201: UserSummarySchema, ...errors(400, 401, 403) } } },
    async (request, reply) => {
      const created = await users.add({ name: request.body.displayName, role: request.body.role, pin: request.body.pin }, adminOf(request).actor);
      return reply.code(201).send(await users.get(created.id));
    },
  );

  app.get(
    '/admin/users/:id',
    { schema: { ...userTag, summary: 'One user', params: IdParams, response: { 200: UserSummarySchema, ...errors(400, 401, 403, 404) } } },
    async (request) => users.get(id(request.params)),
  );

  app.patch(
    '/admin/users/:id',
    { schema: { ...userTag, summary: 'Renames a user or changes their role', params: IdParams, body: UpdateUserBody, response: { 200: UserSummarySchema, ...errors(400, 401, 403, 404, 409) } } },
    async (request) => users.update(id(request.params), request.body, adminOf(request).actor),
  );

  app.post(
    '/admin/users/:id/disable',
    { schema: { ...userTag, summary: 'Disables a user and ends all their sessions', params: IdParams, response: { 200: UserSummarySchema, ...errors(400, 401, 403, 404, 409) } } },
    async (request) => users.disable(id(request.params), adminOf(request).actor),
  );

  app.post(
    '/admin/users/:id/enable',
    { schema: { ...userTag, summary: 'Enables a disabled user again', params: IdParams, response: { 200: UserSummarySchema, ...errors(400, 401, 403, 404) } } },
    async (request) => users.enable(id(request.params), adminOf(request).actor),
  );

  app.put(
    '/admin/users/:id/pin',
    { schema: { ...userTag, summary: "Sets a user's PIN (and unlocks it)", params: IdParams, body: PinBody, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      await users.setPin(id(request.params), request.body.pin, adminOf(request).actor);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/admin/users/:id/pin',
    { schema: { ...userTag, summary: "Removes a user's PIN (not an administrator's)", params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      await users.clearPin(id(request.params), adminOf(request).actor);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/users/:id/badges',
    { schema: { ...userTag, summary: "A user's badges with their last use", params: IdParams, response: { 200: BadgeListSchema, ...errors(400, 401, 403, 404) } } },
    async (request) => ({ items: await badges.listForUser(id(request.params)) }),
  );

  app.post(
    '/admin/users/:id/badges',
    {
      schema: {
        ...userTag,
        summary: 'Enrolls a badge by its UID; a generated secret is shown once',
        params: IdParams,
        body: EnrollBadgeBody,
        response: { 201: EnrolledBadgeSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { uid, withSecret, label } = request.body;
      return reply.code(201).send(await badges.enroll({ userId: id(request.params), uid, withSecret, label }, adminOf(request).actor));
    },
  );

  app.post(
    '/admin/badges/:id/revoke',
    { schema: { ...userTag, summary: 'Revokes a badge, with the reason', params: IdParams, body: RevokeBadgeBody, response: { 200: RevokedBadgeSchema, ...errors(400, 401, 403, 404) } } },
    async (request) => badges.revoke(id(request.params), request.body.reason, adminOf(request).actor),
  );

  app.get(
    '/admin/access-sessions',
    { schema: { ...userTag, summary: 'Live access sessions, newest first', querystring: AccessListQuery, response: { 200: AccessListSchema, ...errors(400, 401, 403) } } },
    async (request) => ({ items: await access.list(request.query.userId === undefined ? undefined : Number(request.query.userId)) }),
  );

  app.post(
    '/admin/access-sessions/:id/revoke',
    { schema: { ...userTag, summary: 'Ends one access session', params: AccessIdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      await access.revoke(request.params.id, adminOf(request).actor);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/users/:id/access-sessions/revoke',
    { schema: { ...userTag, summary: 'Ends every access session of a user', params: IdParams, response: { 200: RevokedCountSchema, ...errors(400, 401, 403, 404) } } },
    async (request) => {
      const user = await users.get(id(request.params));
      return { revoked: await access.endAllOf(user.id, adminOf(request).actor) };
    },
  );

  app.get(
    '/admin/kiosks',
    {
      schema: {
        ...kioskTag,
        summary: 'Kiosks: who is signed in at each, whether each is online (on this instance), last seen, app version, reader state',
        response: { 200: KioskListSchema, ...errors(401, 403) },
      },
    },
    async () => {
      const local = reader();
      return { items: await kiosks.list((kioskId) => (local?.kioskId === kioskId ? local.reader.state : undefined)) };
    },
  );

  app.post(
    '/admin/kiosks',
    { schema: { ...kioskTag, summary: 'Registers a kiosk; its key is shown once', body: CreateKioskBody, response: { 201: RegisteredKioskSchema, ...errors(400, 401, 403) } } },
    async (request, reply) => {
      const registered = await kiosks.register(request.body, adminOf(request).actor);
      return reply.code(201).send({ ...registered, kiosk: await kiosks.get(registered.id) });
    },
  );

  app.patch(
    '/admin/kiosks/:id',
    { schema: { ...kioskTag, summary: 'Renames or relocates a kiosk', params: IdParams, body: UpdateKioskBody, response: { 200: KioskSummarySchema, ...errors(400, 401, 403, 404) } } },
    async (request) => kiosks.update(id(request.params), request.body, adminOf(request).actor),
  );

  app.post(
    '/admin/kiosks/:id/revoke',
    { schema: { ...kioskTag, summary: 'Revokes a kiosk; its login and access sessions end with it', params: IdParams, response: { 200: KioskSummarySchema, ...errors(400, 401, 403, 404) } } },
    async (request) => kiosks.revoke(id(request.params), adminOf(request).actor),
  );
};
