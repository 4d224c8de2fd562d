import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { verifyAuditChain } from '../audit/audit-integrity.ts';
import { auditCsv, checkAuditFilter, queryAudit, type AuditFilter } from '../audit/audit.query.ts';
import type { Deps } from '../deps.ts';
import { errors } from '../http/schemas.ts';
import { AuditPageSchema, AuditQuery, AuditVerificationSchema } from './admin.schemas.ts';

const number = (raw: string | undefined) => (raw === undefined ? undefined : Number(raw));

function filterOf(query: { userId?: string; kioskId?: string; badgeId?: string; outcome?: 'success' | 'failure'; event?: string; from?: string; to?: string }): AuditFilter {
  const filter: AuditFilter = { userId: number(query.userId), kioskId: number(query.kioskId), badgeId: number(query.badgeId), outcome: query.outcome, event: query.event, from: query.from, to: query.to };
  checkAuditFilter(filter);
  return filter;
}

/** The audit log: filtered pages, a CSV export, and a check of its hash chain. */
export const adminAuditRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  const tags = ['admin: audit'];

  app.get(
    '/admin/audit',
    {
      schema: {
        tags,
        summary: 'Audit entries, newest first, filtered by user, kiosk, badge, outcome, event and time; paged by cursor',
        querystring: AuditQuery,
        response: { 200: AuditPageSchema, ...errors(400, 401, 403) },
      },
    },
    async (request) => queryAudit(deps.db, filterOf(request.query), { limit: Math.min(500, number(request.query.limit) ?? 50), cursor: request.query.cursor }),
  );

  app.get(
    '/admin/audit.csv',
    {
      schema: {
        tags,
        summary: 'The filtered audit log as CSV, oldest first',
        querystring: AuditQuery,
        produces: ['text/csv'],
        response: { 200: Type.Unknown({ description: 'CSV with a header line' }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const filter = filterOf(request.query);
      const stamp = new Date(deps.clock.now()).toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="tapin-audit-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(auditCsv(deps.db, filter)));
    },
  );

  app.get(
    '/admin/audit/verify',
    { schema: { tags, summary: "Recomputes the audit log's hash chain", response: { 200: AuditVerificationSchema, ...errors(401, 403) } } },
    async () => verifyAuditChain(deps.db),
  );
};
