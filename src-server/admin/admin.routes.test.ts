import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { describeEachDialect } from '../testing/dialects.ts';
import { createLoginSession, signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';

describeEachDialect('the admin API', (freshDatabase) => {
  let t: TestServer;
  let seed: Seed;
  let admin: string;
  const clock = manualClock();
  const ADMIN_PIN = '4826';
  const CLI = { userId: null, source: 'cli' } as const;

  beforeEach(async () => {
    clock.set(Date.parse('2026-03-02T08:00:00Z'));
    t = await startTestServer(await freshDatabase(), { clock });
    seed = await t.seed();
    // Katherine (the seed's admin) with a PIN, signed in with badge + PIN: changes allowed for 5 minutes.
    await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, CLI);
    admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
  });
  afterEach(() => t.close());

  const as = (token: string | undefined) => (path: string, init: { method?: string; body?: unknown } = {}) => t.api(`/api/v1/admin${path}`, { ...init, token });
  const api = (path: string, init: { method?: string; body?: unknown } = {}) => as(admin)(path, init);
  const auditRows = (event: string) => t.server.deps.db.selectFrom('audit_log').selectAll().where('event', '=', event).orderBy('id').execute();

  /** Every admin route of the OpenAPI document, with a real id where the path has one. */
  async function adminRoutes(): Promise<{ method: string; path: string }[]> {
    const doc = (await t.api('/api/docs')).body as { paths: Record<string, Record<string, unknown>> };
    return Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/admin/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace('/api/v1/admin', '').replace('{id}', '1') })));
  }

  describe('who may use the admin API', () => {
    it('lists every admin route in the OpenAPI document at /api/docs', async () => {
      const routes = await adminRoutes();
      expect(routes.length).toBeGreaterThanOrEqual(24);
      expect(routes).toContainEqual({ method: 'POST', path: '/badges/1/revoke' });
      expect(routes).toContainEqual({ method: 'GET', path: '/audit.csv' });
    });

    it('answers 401 without a live access token and 403 FORBIDDEN to a user who is not an admin, on every route', async () => {
      const user = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      for (const { method, path } of await adminRoutes()) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : {};
        expect((await as(undefined)(path, { method, body })).status, `${method} ${path}`).toBe(401);
        expect((await as('not-a-token')(path, { method, body })).status, `${method} ${path}`).toBe(401);
        const forbidden = await as(user)(path, { method, body });
        expect(forbidden.status, `${method} ${path}`).toBe(403);
        expect(forbidden.body.error.code).toBe('FORBIDDEN');
      }
    });

    it('asks for the PIN again (403 STEP_UP_REQUIRED) before every change once 5 minutes have passed; reads stay open', async () => {
      clock.advance(5 * 60 * 1000 + 1);
      for (const { method, path } of await adminRoutes()) {
        if (method === 'GET' || path === '/step-up' || (method === 'DELETE' && path === '/reader/enrollments')) continue;
        const answer = await api(path, { method, body: method === 'DELETE' ? undefined : {} });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.body.error.code).toBe('STEP_UP_REQUIRED');
      }
      expect((await api('/users')).status).toBe(200);
      expect((await api('/session')).body.stepUpValidUntil).toBeNull();

      expect(await api('/step-up', { body: { pin: '1111' } })).toMatchObject({ status: 401, body: { error: { code: 'PIN_REJECTED' } } });
      const confirmed = await api('/step-up', { body: { pin: ADMIN_PIN } });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.stepUpValidUntil).toBe(new Date(clock.now() + 5 * 60 * 1000).toISOString());
      expect((await api('/users', { body: { displayName: 'Mary Jackson' } })).status).toBe(201);
      expect((await auditRows('admin.step_up')).map((r) => r.outcome)).toEqual(['failure', 'success']);
    });

    it('makes an administrator without a PIN set one before any change (PIN_NOT_SET), then lets them', async () => {
      const other = await t.server.services.users.add({ name: 'Dorothy Vaughan', role: 'admin' });
      await t.server.services.badges.enroll({ userId: other.id, uid: '04DDDDDDDDDDDD' });
      const token = await signIn(t, seed.kioskKey, { uid: '04DDDDDDDDDDDD' });
      const noPin = as(token);
      expect((await noPin('/session')).body).toMatchObject({ pinSet: false, stepUpValidUntil: null });
      expect((await noPin('/users', { body: { displayName: 'X' } })).body.error.code).toBe('PIN_NOT_SET');
      expect((await noPin('/step-up', { body: { pin: '2580' } })).body.error.code).toBe('PIN_NOT_SET');

      expect((await t.api('/api/v1/me/pin', { method: 'PUT', token, body: { pin: '1234' } })).status).toBe(400);
      expect((await t.api('/api/v1/me/pin', { method: 'PUT', token, body: { pin: '3971' } })).status).toBe(204);
      expect((await noPin('/session')).body).toMatchObject({ pinSet: true, pinLocked: false });
      expect((await noPin('/users', { body: { displayName: 'Christine Darden' } })).status).toBe(201);
      // Changing it again needs the current one.
      expect((await t.api('/api/v1/me/pin', { method: 'PUT', token, body: { pin: '7319' } })).body.error.code).toBe('PIN_REQUIRED');
      expect((await t.api('/api/v1/me/pin', { method: 'PUT', token, body: { pin: '7319', currentPin: '0000' } })).body.error.code).toBe('PIN_REJECTED');
      expect((await t.api('/api/v1/me/pin', { method: 'PUT', token, body: { pin: '7319', currentPin: '3971' } })).status).toBe(204);
    });
  });

  describe('users', () => {
    it('creates, finds, sorts and pages users', async () => {
      for (const name of ['Alan Turing', 'Barbara Liskov', 'Edsger Dijkstra']) expect((await api('/users', { body: { displayName: name } })).status).toBe(201);
      const created = await api('/users', { body: { displayName: '  Frances   Allen ', role: 'admin', pin: '7391' } });
      expect(created.body).toMatchObject({ displayName: 'Frances Allen', role: 'admin', pinSet: true, pinLocked: false, activeBadges: 0, disabledAt: null });

      const page = await api('/users?sort=name&order=asc&limit=2&offset=1');
      expect(page.body.total).toBe(6);
      expect(page.body.items.map((u: { displayName: string }) => u.displayName)).toEqual(['Barbara Liskov', 'Edsger Dijkstra']);
      expect((await api('/users?q=lisk')).body.items.map((u: { displayName: string }) => u.displayName)).toEqual(['Barbara Liskov']);
      // A badge UID, in the phone's notation, finds its holder.
      expect((await api('/users?q=04:a1:b2')).body.items.map((u: { id: number }) => u.id)).toEqual([seed.user.id]);
      expect((await api('/users?role=admin&sort=created&order=desc')).body.items.map((u: { displayName: string }) => u.displayName)).toEqual([
        'Frances Allen',
        'Katherine Johnson',
      ]);
      expect((await api(`/users/${seed.user.id}`)).body).toMatchObject({ displayName: 'Grace Hopper', activeBadges: 1, pinSet: false });

      const audit = (await auditRows('user.create')).find((row) => row.source === 'admin');
      expect(audit).toMatchObject({ actor_user_id: seed.secretUser.id, source: 'admin' });
      expect(JSON.parse(audit?.details ?? '{}')).toEqual({ displayName: 'Alan Turing', role: 'user', pinSet: false });
    });

    it('refuses junk and unknown ids with the API error shape', async () => {
      for (const body of [{}, { displayName: '' }, { displayName: '   ' }, { displayName: 'x', role: 'root' }, { displayName: 'x', pin: '1111' }, { displayName: 7 }]) {
        const answer = await api('/users', { body });
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.error.code).toBe('INVALID_REQUEST');
      }
      for (const query of ['limit=abc', 'sort=height', 'offset=-1', 'role=root', `q=${'x'.repeat(101)}`]) expect((await api(`/users?${query}`)).status, query).toBe(400);
      expect((await api('/users/999')).body.error.code).toBe('USER_NOT_FOUND');
      expect((await api('/users/abc')).status).toBe(400);
      expect((await api('/users/999', { method: 'PATCH', body: { displayName: 'x' } })).status).toBe(404);
      expect((await api('/users/999/disable', { body: {} })).status).toBe(404);
      expect((await api('/users/999/badges')).status).toBe(404);
      expect((await api('/users/999/pin', { method: 'PUT', body: { pin: '2580' } })).status).toBe(404);
    });

    it('renames and changes roles, but never leaves TapIn without an administrator', async () => {
      const renamed = await api(`/users/${seed.user.id}`, { method: 'PATCH', body: { displayName: 'Rear Admiral Hopper' } });
      expect(renamed.body.displayName).toBe('Rear Admiral Hopper');
      const demoteSelf = await api(`/users/${seed.secretUser.id}`, { method: 'PATCH', body: { role: 'user' } });
      expect(demoteSelf).toMatchObject({ status: 409, body: { error: { code: 'LAST_ADMINISTRATOR' } } });
      expect((await api(`/users/${seed.secretUser.id}/disable`, { body: {} })).body.error.code).toBe('LAST_ADMINISTRATOR');
      expect((await api(`/users/${seed.user.id}`, { method: 'PATCH', body: { role: 'admin' } })).body.role).toBe('admin');
      expect((await api(`/users/${seed.secretUser.id}`, { method: 'PATCH', body: { role: 'user' } })).body.role).toBe('user');
      const [update] = await auditRows('user.update');
      expect(JSON.parse(update?.details ?? '{}')).toEqual({ displayName: 'Rear Admiral Hopper', previous: { displayName: 'Grace Hopper', role: 'user' } });
    });

    it('disabling a user ends their sessions at once and stops their badge; enabling lets them back', async () => {
      const token = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      expect((await t.api('/api/v1/me', { token })).status).toBe(200);
      expect((await api(`/users/${seed.user.id}/disable`, { body: {} })).body.disabledAt).toBe(new Date(clock.now()).toISOString());
      expect((await t.api('/api/v1/me', { token })).status).toBe(401);
      await expect(signIn(t, seed.kioskKey, { uid: seed.user.uid })).rejects.toThrow(/401/);
      expect((await auditRows('access.revoke')).map((r) => r.user_id)).toEqual([seed.user.id]);
      expect((await api(`/users/${seed.user.id}/enable`, { body: {} })).body.disabledAt).toBeNull();
      expect(await signIn(t, seed.kioskKey, { uid: seed.user.uid })).toBeTruthy();
    });

    it("sets and clears a user's PIN (an administrator's can only be replaced)", async () => {
      expect((await api(`/users/${seed.user.id}/pin`, { method: 'PUT', body: { pin: '6174' } })).status).toBe(204);
      expect((await api(`/users/${seed.user.id}`)).body.pinSet).toBe(true);
      await expect(signIn(t, seed.kioskKey, { uid: seed.user.uid })).rejects.toThrow(/PIN_REQUIRED/);
      expect(await signIn(t, seed.kioskKey, { uid: seed.user.uid }, '6174')).toBeTruthy();
      expect((await api(`/users/${seed.user.id}/pin`, { method: 'DELETE' })).status).toBe(204);
      expect((await api(`/users/${seed.user.id}`)).body.pinSet).toBe(false);
      expect((await api(`/users/${seed.secretUser.id}/pin`, { method: 'DELETE' })).status).toBe(400);
      expect((await auditRows('user.pin_set')).length).toBe(2);
      const all = JSON.stringify(await t.server.deps.db.selectFrom('audit_log').selectAll().execute());
      expect(all).not.toContain('6174');
    });
  });

  describe('badges', () => {
    it('enrolls a badge (secret shown once), refuses a UID already enrolled, lists badges with their last use', async () => {
      const enrolled = await api(`/users/${seed.user.id}/badges`, { body: { uid: '04:0a:0b:0c:0d:0e:0f', withSecret: true, label: 'spare' } });
      expect(enrolled.status).toBe(201);
      expect(enrolled.body).toMatchObject({ uid: '040A0B0C0D0E0F', secret: expect.stringMatching(/^[\w-]{22}$/) });
      const again = await api(`/users/${seed.secretUser.id}/badges`, { body: { uid: '040a0b0c0d0e0f' } });
      expect(again).toMatchObject({ status: 409, body: { error: { code: 'BADGE_ALREADY_ENROLLED' } } });
      expect((await api(`/users/${seed.user.id}/badges`, { body: { uid: 'zz' } })).status).toBe(400);

      clock.advance(60_000);
      await signIn(t, seed.kioskKey, { uid: '040A0B0C0D0E0F', secret: enrolled.body.secret });
      const list = (await api(`/users/${seed.user.id}/badges`)).body.items;
      expect(list).toHaveLength(2);
      expect(list[0]).toMatchObject({ uid: '040A0B0C0D0E0F', label: 'spare', hasSecret: true, lastUsedAt: new Date(clock.now()).toISOString(), revokedAt: null });
      expect(list[1]).toMatchObject({ uid: seed.user.uid, hasSecret: false, lastUsedAt: null });
      expect(JSON.stringify(list)).not.toContain(enrolled.body.secret);
    });

    it('revokes a badge with a reason; that badge then fails at the kiosk', async () => {
      const [badge] = (await api(`/users/${seed.user.id}/badges`)).body.items;
      expect((await api(`/badges/${badge.id}/revoke`, { body: { reason: 'misplaced' } })).status).toBe(400);
      expect((await api(`/badges/${badge.id}/revoke`, { body: {} })).status).toBe(400);
      const revoked = await api(`/badges/${badge.id}/revoke`, { body: { reason: 'lost' } });
      expect(revoked.body).toEqual({ id: badge.id, revokedAt: new Date(clock.now()).toISOString() });
      expect((await api(`/users/${seed.user.id}/badges`)).body.items[0]).toMatchObject({ revokeReason: 'lost' });
      await expect(signIn(t, seed.kioskKey, { uid: seed.user.uid })).rejects.toThrow(/401/);
      expect((await api('/badges/999/revoke', { body: { reason: 'stolen' } })).body.error.code).toBe('BADGE_NOT_FOUND');
      const [audit] = await auditRows('badge.revoke');
      expect(audit).toMatchObject({ actor_user_id: seed.secretUser.id, badge_uid: seed.user.uid, details: '{"reason":"lost"}' });
    });
  });

  describe('kiosks and access sessions', () => {
    it('registers a kiosk (key shown once and working), renames and relocates it', async () => {
      const registered = await api('/kiosks', { body: { name: 'Front desk', location: 'Hall' } });
      expect(registered.status).toBe(201);
      expect(registered.body.key).toMatch(/^tk_/);
      expect(registered.body.kiosk).toMatchObject({ name: 'Front desk', location: 'Hall', revokedAt: null, signedIn: null });
      await createLoginSession(t, registered.body.key);
      const updated = await api(`/kiosks/${registered.body.id}`, { method: 'PATCH', body: { name: 'Reception', location: null } });
      expect(updated.body).toMatchObject({ name: 'Reception', location: null, lastSeenAt: new Date(clock.now()).toISOString() });
      const list = (await api('/kiosks')).body.items;
      expect(list.map((k: { name: string }) => k.name)).toEqual(['Lobby kiosk', 'Reception']);
      expect(list[0].signedIn).toEqual({ id: seed.secretUser.id, displayName: 'Katherine Johnson' });
      expect(JSON.stringify(list)).not.toContain(registered.body.key);
      expect((await api('/kiosks', { body: { name: '' } })).status).toBe(400);
      expect((await api('/kiosks/999', { method: 'PATCH', body: { name: 'x' } })).body.error.code).toBe('KIOSK_NOT_FOUND');
    });

    it('revoking a kiosk kills its key, its pending sessions and its signed-in users', async () => {
      const other = await t.server.services.kiosks.register({ name: 'Lab' });
      const pending = await createLoginSession(t, other.key);
      const user = await signIn(t, other.key, { uid: seed.user.uid });
      const revoked = await api(`/kiosks/${other.id}/revoke`, { body: {} });
      expect(revoked.body.revokedAt).toBe(new Date(clock.now()).toISOString());
      expect((await t.api(`/api/v1/login-sessions/${pending.id}`, { token: pending.kioskSecret })).body.status).toBe('expired');
      expect((await t.api('/api/v1/login-sessions', { token: other.key, body: {} })).status).toBe(401);
      expect((await t.api('/api/v1/me', { token: user })).status).toBe(401);
      expect((await t.api('/api/v1/me', { token: admin })).status).toBe(200);
    });

    it('lists live access sessions and ends one, or all of a user', async () => {
      const first = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      clock.advance(1_000);
      const second = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      const list = (await api(`/access-sessions?userId=${seed.user.id}`)).body.items;
      expect(list).toHaveLength(2);
      expect(list[0]).toMatchObject({ user: { id: seed.user.id, displayName: 'Grace Hopper' }, kiosk: { id: seed.kioskId, name: 'Lobby kiosk' } });
      expect((await api('/access-sessions')).body.items).toHaveLength(3);

      expect((await api(`/access-sessions/${list[1].id}/revoke`, { body: {} })).status).toBe(204);
      expect((await t.api('/api/v1/me', { token: first })).status).toBe(401);
      expect((await t.api('/api/v1/me', { token: second })).status).toBe(200);
      expect((await api(`/access-sessions/${list[1].id}/revoke`, { body: {} })).body.error.code).toBe('ACCESS_SESSION_NOT_FOUND');
      expect((await api(`/users/${seed.user.id}/access-sessions/revoke`, { body: {} })).body).toEqual({ revoked: 1 });
      expect((await t.api('/api/v1/me', { token: second })).status).toBe(401);
    });
  });

  describe('the audit log', () => {
    it('filters by user, kiosk, outcome, event family and time, newest first, paged by cursor', async () => {
      await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      const session = await createLoginSession(t, seed.kioskKey);
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: '04FFFFFFFFFFFF' } } });
      clock.advance(120_000);
      expect((await api('/users', { body: { displayName: 'Later' } })).status).toBe(201);

      const failures = (await api('/audit?outcome=failure')).body.items;
      expect(failures.map((i: { event: string; reason: string }) => [i.event, i.reason])).toEqual([['login.validate', 'unknown_badge']]);
      const grace = (await api(`/audit?userId=${seed.user.id}&event=login`)).body.items;
      expect(grace.map((i: { event: string }) => i.event)).toEqual(['login.exchange', 'login.validate']);
      expect(grace[0]).toMatchObject({ user: { id: seed.user.id, displayName: 'Grace Hopper' }, kiosk: { id: seed.kioskId, name: 'Lobby kiosk' } });
      const later = (await api(`/audit?from=${encodeURIComponent(new Date(clock.now()).toISOString())}`)).body.items;
      expect(later).toHaveLength(1);
      expect(later[0]).toMatchObject({ event: 'user.create', actor: { id: seed.secretUser.id, displayName: 'Katherine Johnson' }, details: { displayName: 'Later' } });

      const all = (await api('/audit?limit=500')).body.items.map((i: { id: number }) => i.id);
      const paged: number[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: number }[]; nextCursor: string | null } = (await api(`/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).body;
        paged.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(paged).toEqual(all);
      expect(all).toEqual([...all].sort((a, b) => b - a));

      for (const query of ['cursor=nope', 'from=yesterday', 'outcome=maybe', 'userId=x', 'event=DROP TABLE']) {
        expect((await api(`/audit?${query}`)).status, query).toBe(400);
      }
    });

    it('exports CSV that no spreadsheet would run as a formula', async () => {
      await api('/users', { body: { displayName: '=HYPERLINK("http://evil")' } });
      const response = await fetch(`${t.url}/api/v1/admin/audit.csv?event=user`, { headers: { authorization: `Bearer ${admin}` } });
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="tapin-audit-2026-03-02\.csv"$/);
      const lines = (await response.text()).trim().split('\r\n');
      expect(lines[0]).toBe('id,at,event,outcome,reason,source,client_address,user_id,user,kiosk_id,kiosk,badge_id,badge_uid,actor_id,actor,login_session_id,details');
      // The seed's users were made by the CLI; this one by the admin, and its name is neutralised.
      const row = lines.find((line) => line.includes('HYPERLINK'));
      expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(row).toContain(',Katherine Johnson,');
      expect((await fetch(`${t.url}/api/v1/admin/audit.csv?from=nope`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(400);
    });

    it('checks its own chain', async () => {
      const verified = (await api('/audit/verify')).body;
      expect(verified).toMatchObject({ ok: true, checkpoint: null });
      expect(verified.rows).toBeGreaterThan(5);
    });
  });

  describe('the desk reader', () => {
    it('says when none is attached, and enrollment there answers 404 READER_NOT_ATTACHED', async () => {
      expect((await api('/reader')).body).toEqual({ attached: false, kioskId: null, state: null, enrolling: false });
      expect((await api('/reader/enrollments', { body: { userId: seed.user.id } })).body.error.code).toBe('READER_NOT_ATTACHED');
    });
  });

  describe('junk', () => {
    it('never answers 5xx to any body on any admin route', async () => {
      const routes = await adminRoutes();
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: routes.length - 1 }), fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 12 }), async (which, body, id) => {
          const route = routes[which] ?? { method: 'GET', path: '/users' };
          const path = route.path.replace('/1', `/${encodeURIComponent(id) || '1'}`);
          const answer = await api(path, { method: route.method, body: route.method === 'GET' ? undefined : body });
          expect(answer.status, `${route.method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
          if (answer.status >= 400) expect(answer.body.error.code).toMatch(/^[A-Z_]+$/);
        }),
        { numRuns: 300 },
      );
    });
  });
});
