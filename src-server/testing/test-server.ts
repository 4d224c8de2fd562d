import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock.ts';
import { defaultConfig, type ServerConfig } from '../config.ts';
import { buildServer, type BuildOptions, type TapinServer } from '../http/app.ts';

export interface TestServer {
  url: string;
  server: TapinServer;
  dbPath: string;
  dir: string;
  /** A registered kiosk's key, a user with a UID-only badge, and one with a secret badge. */
  seed(): Promise<Seed>;
  api(path: string, init?: { method?: string; token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  // Tests read whatever the server answered; the shape is what they assert.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface Seed {
  kioskId: number;
  kioskKey: string;
  user: { id: number; uid: string };
  secretUser: { id: number; uid: string; secret: string };
}

/** A real TapIn server on a random loopback port over a fresh SQLite file in a temp folder. */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  options: { clock?: Clock; dir?: string; cleanupSchedule?: boolean; phoneOnlyOffLoopback?: BuildOptions['phoneOnlyOffLoopback'] } = {},
): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tapin-test-'));
  const config: ServerConfig = {
    ...defaultConfig,
    dbPath: join(dir, 'tapin.sqlite'),
    port: 0,
    logLevel: 'silent',
    rateLimit: { max: 10_000, windowMs: 60_000 },
    ...overrides,
  };
  const server = await buildServer(config, {
    clock: options.clock,
    cleanupSchedule: options.cleanupSchedule ?? false,
    phoneOnlyOffLoopback: options.phoneOnlyOffLoopback,
  });
  const url = await server.listen();

  return {
    url,
    server,
    dbPath: config.dbPath,
    dir,
    async seed() {
      const { services } = server;
      const kiosk = await services.kiosks.register({ name: 'Lobby kiosk', location: 'Building A' });
      const user = await services.users.add({ name: 'Grace Hopper' });
      const badge = await services.badges.enroll({ userId: user.id, uid: '04:a1:b2:c3:d4:e5:f6' });
      const secretUser = await services.users.add({ name: 'Katherine Johnson', role: 'admin' });
      const secretBadge = await services.badges.enroll({ userId: secretUser.id, uid: '04112233445566', withSecret: true });
      return {
        kioskId: kiosk.id,
        kioskKey: kiosk.key,
        user: { id: user.id, uid: badge.uid },
        secretUser: { id: secretUser.id, uid: secretBadge.uid, secret: secretBadge.secret ?? '' },
      };
    },
    async api(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) body = JSON.stringify(init.body);
      if (body !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
      const text = await response.text();
      const json = response.headers.get('content-type')?.includes('json') ?? false;
      return { status: response.status, body: text && json ? JSON.parse(text) : text || undefined };
    },
    async close() {
      await server.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a login session for the kiosk and returns what the kiosk receives. */
export async function createLoginSession(t: TestServer, kioskKey: string) {
  const response = await t.api('/api/v1/login-sessions', { method: 'POST', token: kioskKey, body: {} });
  if (response.status !== 201) throw new Error(`login session not created: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: string; token: string; kioskSecret: string; expiresAt: string; qrPayload: string };
}

/**
 * Signs a badge in at a kiosk the way a phone and a kiosk screen do (create, validate, exchange with the
 * PIN when one is given) and returns the access token.
 */
export async function signIn(t: TestServer, kioskKey: string, badge: { uid: string; secret?: string }, pin?: string): Promise<string> {
  const session = await createLoginSession(t, kioskKey);
  const validated = await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge } });
  if (validated.status !== 200) throw new Error(`badge not accepted: ${validated.status} ${JSON.stringify(validated.body)}`);
  const exchanged = await t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: pin === undefined ? {} : { pin } });
  if (exchanged.status !== 200) throw new Error(`exchange refused: ${exchanged.status} ${JSON.stringify(exchanged.body)}`);
  return exchanged.body.accessToken as string;
}
