import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { describeEachDialect } from '../testing/dialects.ts';
import { signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';

describeEachDialect('people in bulk over the admin API', (freshDatabase) => {
  let t: TestServer;
  let seed: Seed;
  let admin: string;
  let url: string;
  const clock = manualClock();
  const ADMIN_PIN = '4826';

  beforeEach(async () => {
    clock.set(Date.parse('2026-11-28T08:00:00Z'));
    t = await startTestServer(await freshDatabase(), { clock });
    seed = await t.seed();
    await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, { userId: null, source: 'cli' });
    admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
    url = t.url;
  });
  afterEach(() => t.close());

  async function call(path: string, init: { method?: string; token?: string; csv?: string; contentType?: string } = {}) {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.csv !== undefined) headers['content-type'] = init.contentType ?? 'text/csv; charset=utf-8';
    const response = await fetch(`${url}/api/v1/admin${path}`, { method: init.method ?? (init.csv === undefined ? 'GET' : 'POST'), headers, body: init.csv });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body: any = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body };
  }

  const CSV = 'external_id,name,badge_uid\n1001,Mary Jackson,04AAAAAAAAAAAA\n1002,Alan Turing,04A1B2C3D4E5F6\n';
  const auditEvents = () => t.server.deps.db.selectFrom('audit_log').select(['event', 'source', 'actor_user_id']).where('event', 'in', ['user.create', 'badge.enroll', 'people.import']).orderBy('id').execute();

  describe('POST /api/v1/admin/people/import', () => {
    it('previews without writing, then applies as the administrator, refusing the badge someone else holds', async () => {
      const preview = await call('/people/import?mode=preview', { token: admin, csv: CSV });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({
        mode: 'preview',
        created: 1,
        badgesEnrolled: 1,
        notInFile: 2,
        refused: [{ line: 3, externalId: '1002', reason: 'badge_uid 04A1B2C3D4E5F6 is already enrolled for Grace Hopper (user id 1)' }],
      });
      expect(await auditEvents()).toHaveLength(4);

      const applied = await call('/people/import?mode=apply', { token: admin, csv: CSV });
      expect(applied.status).toBe(200);
      expect({ ...applied.body, mode: 'preview', rows: undefined }).toEqual({ ...preview.body, rows: undefined });
      const adminId = seed.secretUser.id;
      expect((await auditEvents()).slice(4)).toEqual([
        { event: 'user.create', source: 'admin', actor_user_id: adminId },
        { event: 'badge.enroll', source: 'admin', actor_user_id: adminId },
        { event: 'people.import', source: 'admin', actor_user_id: adminId },
      ]);
    });

    it('takes a file far over the 64 KiB of a JSON body, up to 2 MiB', async () => {
      const lines = Array.from({ length: 3000 }, (_, i) => `${10_000 + i},Person number ${i} with a fairly long name to fill the file`);
      const big = `external_id,name\n${lines.join('\n')}\n`;
      expect(big.length).toBeGreaterThan(150 * 1024);
      const preview = await call('/people/import?mode=preview', { token: admin, csv: big });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ created: 3000, refused: [] });
      const huge = await call('/people/import?mode=preview', { token: admin, csv: big.repeat(12) });
      expect(huge.status).toBe(413);
      expect(huge.body.error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'the CSV file is larger than 2 MiB' });
    });

    it('needs the PIN again to apply once 5 minutes have passed, but not to preview', async () => {
      clock.advance(5 * 60 * 1000 + 1);
      expect((await call('/people/import?mode=preview', { token: admin, csv: CSV })).status).toBe(200);
      const apply = await call('/people/import', { token: admin, csv: CSV });
      expect(apply.status).toBe(403);
      expect(apply.body.error.code).toBe('STEP_UP_REQUIRED');
      expect(await t.server.deps.db.selectFrom('users').select('id').where('external_id', 'is not', null).execute()).toEqual([]);
    });

    it('answers 401 without a token, 403 to a user who is not an administrator, 415 to JSON and 400 to a bad header', async () => {
      expect((await call('/people/import?mode=preview', { csv: CSV })).status).toBe(401);
      const user = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      expect((await call('/people/import?mode=preview', { token: user, csv: CSV })).body.error.code).toBe('FORBIDDEN');
      expect((await call('/people/export', { token: user })).status).toBe(403);
      const json = await call('/people/import?mode=preview', { token: admin, csv: '{"rows":[]}', contentType: 'application/json' });
      expect(json).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
      const header = await call('/people/import?mode=preview', { token: admin, csv: 'who,what\n1,2\n' });
      expect(header).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/^unknown column "who"/) } } });
      expect((await call('/people/import?mode=later', { token: admin, csv: CSV })).status).toBe(400);
    });
  });

  describe('GET /api/v1/admin/people/export', () => {
    it('sends every person as a CSV attachment that imports back unchanged', async () => {
      const exported = await call('/people/export', { token: admin });
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(exported.headers.get('content-disposition')).toBe('attachment; filename="tapin-people-2026-11-28.csv"');
      expect(exported.body).toBe(
        'external_id,name,role,badge_uid,badge_label,disabled,id\n,Grace Hopper,user,04A1B2C3D4E5F6,,false,1\n,Katherine Johnson,admin,04112233445566,,false,2\n',
      );
      const back = await call('/people/import', { token: admin, csv: exported.body as string });
      expect(back.body).toMatchObject({ created: 0, updated: 0, unchanged: 2, refused: [] });
    });
  });
});
