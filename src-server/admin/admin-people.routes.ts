import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { errors } from '../http/schemas.ts';
import { peopleService } from '../people/people.service.ts';
import type { Services } from '../services.ts';
import { adminAccess, adminOf } from './admin-access.ts';

/** A people file is far larger than any JSON body the API takes (64 KiB): some thousands of rows. */
export const PEOPLE_CSV_LIMIT = 2 * 1024 * 1024;

const Outcome = Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('unchanged'), Type.Literal('refused')]);
const Change = Type.Union([Type.Literal('externalId'), Type.Literal('name'), Type.Literal('role'), Type.Literal('disabled'), Type.Literal('badge')]);

export const PeopleImportReportSchema = Type.Object({
  mode: Type.Union([Type.Literal('preview'), Type.Literal('apply')]),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  badgesEnrolled: Type.Integer(),
  refused: Type.Array(Type.Object({ line: Type.Integer(), externalId: Type.Union([Type.String(), Type.Null()]), reason: Type.String() })),
  notInFile: Type.Integer({ description: 'people in TapIn the file does not name; an import never touches them' }),
  rows: Type.Array(
    Type.Object({
      line: Type.Integer(),
      externalId: Type.Union([Type.String(), Type.Null()]),
      outcome: Outcome,
      changes: Type.Optional(Type.Array(Change)),
      userId: Type.Optional(Type.Integer()),
      reason: Type.Optional(Type.String()),
    }),
  ),
});

const ImportQuery = Type.Object({ mode: Type.Optional(Type.Union([Type.Literal('preview'), Type.Literal('apply')])) }, { additionalProperties: false });

const isCsv = (contentType: string | undefined) => /^text\/csv\s*(;|$)/i.test(contentType ?? '');

/**
 * Importing and exporting people as CSV (people/). Registered inside adminRoutes, whose guard checks
 * the administrator; a preview reads only, so it needs no step-up, and this plugin asks for it on apply.
 */
export const adminPeopleRoutes: FastifyPluginAsyncTypebox<{ deps: Deps; services: Services }> = async (app, { deps, services }) => {
  const people = peopleService(deps, { endAccessOf: services.access.endAllOf });
  const access = adminAccess(deps, services);
  const tags = ['admin: users'];

  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError) => {
    // Thrown on to the API's error handler, with the limit that applies here rather than the global one.
    if (error.statusCode === 413) throw new AppError('PAYLOAD_TOO_LARGE', `the CSV file is larger than ${PEOPLE_CSV_LIMIT / 1024 / 1024} MiB`);
    throw error;
  });

  app.post(
    '/admin/people/import',
    {
      bodyLimit: PEOPLE_CSV_LIMIT,
      preValidation: async (request) => {
        const { mode } = request.query as { mode?: unknown };
        if (mode !== 'preview') await access.requireStepUp(adminOf(request));
        if (!isCsv(request.headers['content-type'])) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the file as content-type: text/csv');
      },
      schema: {
        tags,
        summary: 'Imports people and badges from CSV (body, content-type text/csv): ?mode=preview reports what would change, apply (the default) does it',
        querystring: ImportQuery,
        consumes: ['text/csv'],
        body: Type.String({ description: 'the people file: external_id,name,role,badge_uid,badge_label,disabled,id' }),
        response: { 200: PeopleImportReportSchema, ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (request) => people.import(request.body, request.query.mode ?? 'apply', adminOf(request).actor),
  );

  app.get(
    '/admin/people/export',
    {
      schema: {
        tags,
        summary: 'Every person and their active badges as CSV, in the format the import reads',
        produces: ['text/csv'],
        response: { 200: Type.Unknown({ description: 'CSV with a header line' }), ...errors(401, 403) },
      },
    },
    async (_request, reply) => {
      const stamp = new Date(deps.clock.now()).toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="tapin-people-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        .send(await people.exportCsv());
    },
  );
};
