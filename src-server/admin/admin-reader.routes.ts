import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import { errors } from '../http/schemas.ts';
import type { DeskReader } from '../reader/desk-reader.ts';
import { readerEnrollments, servicesDirectory } from '../reader/enrollment.ts';
import type { Services } from '../services.ts';
import { adminOf } from './admin-access.ts';
import { ReaderEnrolledSchema, ReaderEnrollmentBody, ReaderSchema } from './admin.schemas.ts';

interface ReaderRoutesOptions {
  services: Services;
  reader: () => { reader: DeskReader; kioskId: number } | undefined;
}

/** Badge enrollment at the desk reader this server drives (`tapin serve --reader`, or the kiosk app). */
export const adminReaderRoutes: FastifyPluginAsyncTypebox<ReaderRoutesOptions> = async (app, { services, reader }) => {
  const tags = ['admin: desk reader'];
  const enrollments = readerEnrollments();
  // A server draining for a restart answers the enrollment waiting for a tap, rather than hang on to it.
  app.addHook('preClose', async () => enrollments.cancel());

  app.get('/admin/reader', { schema: { tags, summary: 'Whether a desk reader is attached, and its state', response: { 200: ReaderSchema, ...errors(401, 403) } } }, async () => {
    const attached = reader();
    return { attached: attached !== undefined, kioskId: attached?.kioskId ?? null, state: attached?.reader.state ?? null, enrolling: attached?.reader.capturing ?? false };
  });

  app.post(
    '/admin/reader/enrollments',
    {
      schema: {
        tags,
        summary: 'Waits for the next badge on the desk reader and enrolls it (for a user, or a new one), optionally writing a secret onto it',
        description: 'Answers once a badge was tapped (201), or 409 NO_BADGE_TAPPED after timeoutSeconds (default 60). Closing the request cancels the wait.',
        body: ReaderEnrollmentBody,
        response: { 201: ReaderEnrolledSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const attached = reader();
      if (!attached) throw new AppError('READER_NOT_ATTACHED', 'no desk reader is attached to this server (tapin serve --reader)');
      // The administrator may leave before any badge comes: stop waiting then, or the next tap at the kiosk would be taken.
      const gone = new AbortController();
      const onClose = () => {
        if (!reply.sent) gone.abort();
      };
      reply.raw.once('close', onClose);
      try {
        const enrolled = await enrollments.enroll(attached.reader, servicesDirectory(services, adminOf(request).actor), request.body, gone.signal);
        return reply.code(201).send(enrolled);
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  app.delete(
    '/admin/reader/enrollments',
    {
      schema: {
        tags,
        summary: 'Calls off the enrollment waiting for a tap (it then answers 409 NO_BADGE_TAPPED)',
        response: { 204: Type.Null(), ...errors(401, 403) },
      },
    },
    async (_request, reply) => {
      enrollments.cancel();
      return reply.code(204).send(null);
    },
  );
};
