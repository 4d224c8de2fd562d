import type { FastifyRequest } from 'fastify';

/** The credential of an `Authorization: Bearer …` header, if there is one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+([^\s]{1,512})[ \t]*$/i.exec(header);
  return match?.[1];
}
