import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.ts';
import { bearerToken } from '../http/bearer.ts';
import { errors } from '../http/schemas.ts';
import type { DeskReader } from '../reader/desk-reader.ts';
import type { Services } from '../services.ts';
import { adminAccess, adminOf } from './admin-access.ts';
import { adminAuditRoutes } from './admin-audit.routes.ts';
import { adminDirectoryRoutes } from './admin-directory.routes.ts';
import { adminPairingRoutes } from './admin-pairing.routes.ts';
import { adminPeopleRoutes } from './admin-people.routes.ts';
import { adminReaderRoutes } from './admin-reader.routes.ts';
import { AdminSessionSchema, PinBody } from './admin.schemas.ts';

export interface AdminRoutesOptions {
  deps: Deps;
  services: Services;
  /** The desk reader this server drives, if any, and the kiosk it is attached to. */
  reader: () => { reader: DeskReader; kioskId: number } | undefined;
}

/** The routes that need no step-up though they are not reads: giving the PIN, and calling off a wait. */
// A people import asks for the step-up itself, for an apply only: a preview changes nothing.
const NO_STEP_UP = new Set(['POST /admin/step-up', 'DELETE /admin/reader/enrollments', 'POST /admin/people/import']);

/**
 * `/api/v1/admin/…`: an administrator's access token for everything (401 without a live one, 403 for
 * anyone else), and for every change a PIN entered in the last five minutes (403 STEP_UP_REQUIRED).
 */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, { deps, services, reader }) => {
  const access = adminAccess(deps, services);
  app.decorateRequest('admin', null);
  // Before validation: who is asking matters before what they sent (401/403 rather than 400).
  app.addHook('preValidation', async (request) => {
    request.admin = await access.authenticate(bearerToken(request), request.ip);
    const path = request.routeOptions.url?.replace(/^\/api\/v1/, '') ?? '';
    if (request.method !== 'GET' && !NO_STEP_UP.has(`${request.method} ${path}`)) await access.requireStepUp(request.admin);
  });

  app.get(
    '/admin/session',
    { schema: { tags: ['admin'], summary: 'The administrator signed in, their PIN, and whether changes need the PIN again', response: { 200: AdminSessionSchema, ...errors(401, 403) } } },
    async (request) => access.view(adminOf(request)),
  );

  app.post(
    '/admin/step-up',
    {
      schema: {
        tags: ['admin'],
        summary: 'Confirms the PIN: changes are allowed for the next five minutes',
        body: PinBody,
        response: { 200: AdminSessionSchema, ...errors(400, 401, 403) },
      },
    },
    async (request) => access.stepUp(adminOf(request), request.body.pin),
  );

  await app.register(adminDirectoryRoutes, { services, reader });
  await app.register(adminAuditRoutes, { deps });
  await app.register(adminReaderRoutes, { services, reader });
  await app.register(adminPairingRoutes, { services });
  await app.register(adminPeopleRoutes, { deps, services });
};
