import type { FastifyInstance } from 'fastify';

export type InProcessAnswer = { ok: true; value: unknown } | { ok: false; code: string; status: number; message: string };

// A signed-in user's own routes: their PIN, and the admin API (which checks the role itself).
const USER_PATHS = /^(me\/pin|admin\/[A-Za-z0-9_.\-/]*)(\?[A-Za-z0-9_.\-=&%:+]*)?$/;
const METHODS: readonly string[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

/** Whether a kiosk app's window may make this call with a user's token: the user's own routes only. */
export function isUserCall(method: string, path: string): boolean {
  return USER_PATHS.test(path) && !path.includes('..') && METHODS.includes(method);
}

/**
 * Runs a user's API call inside the process, through every hook, schema and rule of the HTTP route,
 * without a socket: how the kiosk app's window reaches the admin API over IPC. Only the user's own
 * routes are reachable this way; the answer is the JSON (or text) body or the API's error.
 */
export async function callInProcess(app: FastifyInstance, method: string, path: string, accessToken: string, body?: unknown, bodyType: 'json' | 'csv' = 'json'): Promise<InProcessAnswer> {
  if (!isUserCall(method, path)) {
    return { ok: false, code: 'NOT_FOUND', status: 404, message: `no route ${method} /api/v1/${path.slice(0, 80)}` };
  }
  const response = await app.inject({
    method: method as 'GET',
    url: `/api/v1/${path}`,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': bodyType === 'csv' ? 'text/csv; charset=utf-8' : 'application/json' }) },
    ...(body === undefined ? {} : { payload: bodyType === 'csv' ? String(body) : JSON.stringify(body) }),
  });
  const json = response.headers['content-type']?.toString().includes('json') ?? false;
  if (response.statusCode >= 400) {
    const error = (json ? (response.json() as { error?: { code?: string; message?: string } }) : {}).error;
    return { ok: false, code: error?.code ?? 'HTTP_ERROR', status: response.statusCode, message: error?.message ?? response.statusMessage };
  }
  if (response.statusCode === 204 || response.body === '') return { ok: true, value: null };
  return { ok: true, value: json ? response.json() : response.body };
}
