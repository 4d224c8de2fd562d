import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { describeEachDialect } from '../testing/dialects.ts';
import { createLoginSession, signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { parseNewPin, pinMatches } from '../users/pin.ts';

describeEachDialect('the PIN step', (freshDatabase) => {
  let t: TestServer;
  let seed: Seed;
  const clock = manualClock();
  const PIN = '2580';

  beforeEach(async () => {
    clock.set(Date.parse('2026-03-02T08:00:00Z'));
    t = await startTestServer(await freshDatabase(), { clock });
    seed = await t.seed();
    await t.server.services.users.setPin(seed.user.id, PIN, { userId: null, source: 'cli' });
  });
  afterEach(() => t.close());

  /** A session of the PIN user's, validated by their badge and waiting for the exchange. */
  async function validated() {
    const session = await createLoginSession(t, seed.kioskKey);
    const response = await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.user.uid } } });
    expect(response.status).toBe(200);
    return session;
  }

  const exchange = (session: { id: string; kioskSecret: string }, body: unknown = {}) =>
    t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body });

  const accessSessions = () => t.server.deps.db.selectFrom('access_sessions').selectAll().execute();
  const audit = (event: string) => t.server.deps.db.selectFrom('audit_log').selectAll().where('event', '=', event).orderBy('id').execute();

  describe('the PIN step', () => {
    it('announces pinRequired in the status and issues no token before the right PIN', async () => {
      const session = await validated();
      const status = await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret });
      expect(status.body).toMatchObject({ status: 'authenticated', pinRequired: true });

      const missing = await exchange(session);
      expect(missing).toMatchObject({ status: 401, body: { error: { code: 'PIN_REQUIRED' } } });
      const wrong = await exchange(session, { pin: '9999' });
      expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'PIN_REJECTED', message: 'wrong PIN; 4 tries left' } } });
      expect(await accessSessions()).toHaveLength(0);

      const right = await exchange(session, { pin: PIN });
      expect(right.status).toBe(200);
      expect(right.body.user).toMatchObject({ id: seed.user.id });
      const [issued] = await accessSessions();
      expect(issued?.pin_confirmed_at).toBe(clock.now());
      expect((await audit('login.pin')).map((r) => [r.outcome, r.reason])).toEqual([
        ['failure', 'wrong_pin'],
        ['success', null],
      ]);
    });

    it('leaves users without a PIN as they were: no pinRequired, an empty exchange works', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.secretUser.uid, secret: seed.secretUser.secret } } });
      const status = await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret });
      expect(status.body).not.toHaveProperty('pinRequired');
      expect((await exchange(session)).status).toBe(200);
    });

    it('ends the session after 5 wrong PINs, and the right PIN cannot revive it', async () => {
      const session = await validated();
      const answers = [];
      for (let i = 0; i < 5; i += 1) answers.push((await exchange(session, { pin: '1357' })).body.error.message);
      expect(answers.at(-1)).toBe('wrong PIN; this sign-in has ended, start again');
      const status = await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret });
      expect(status.body.status).toBe('expired');
      expect((await exchange(session, { pin: PIN })).status).toBe(409);
      expect(await accessSessions()).toHaveLength(0);
      expect((await audit('login.burned')).map((r) => r.reason)).toEqual(['too_many_wrong_pins']);
    });

    it('never lets parallel guesses exceed 5 tries', async () => {
      const session = await validated();
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => exchange(session, { pin: String(135700 + i) })));
      const codes = answers.map((a) => a.body.error.code);
      expect(codes.filter((c) => c === 'PIN_REJECTED')).toHaveLength(5);
      expect(codes.filter((c) => c === 'SESSION_NOT_AUTHENTICATED')).toHaveLength(7);
      expect((await audit('login.pin')).length).toBe(5);
    });

    it('locks the PIN after 10 wrong in a row across sessions, until an administrator sets a new one', async () => {
      for (let round = 0; round < 2; round += 1) {
        const session = await validated();
        for (let i = 0; i < 5; i += 1) await exchange(session, { pin: '1357' });
      }
      const session = await validated();
      const locked = await exchange(session, { pin: PIN });
      expect(locked).toMatchObject({ status: 403, body: { error: { code: 'PIN_LOCKED' } } });
      expect((await t.api(`/api/v1/login-sessions/${session.id}`, { token: session.kioskSecret })).body.status).toBe('expired');

      await t.server.services.users.setPin(seed.user.id, '8642', { userId: null, source: 'cli' });
      const token = await signIn(t, seed.kioskKey, { uid: seed.user.uid }, '8642');
      expect(token).toBeTruthy();
    });

    it('asks for the PIN of a user who set one after their badge was read', async () => {
      const session = await createLoginSession(t, seed.kioskKey);
      await t.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.secretUser.uid, secret: seed.secretUser.secret } } });
      await t.server.services.users.setPin(seed.secretUser.id, '4826', { userId: null, source: 'cli' });
      expect((await exchange(session)).body.error.code).toBe('PIN_REQUIRED');
      expect((await exchange(session, { pin: '4826' })).status).toBe(200);
    });

    it('refuses junk in the exchange body with 400', async () => {
      const session = await validated();
      for (const body of [{ pin: 1234 }, { pin: '' }, { pin: 'x'.repeat(40) }, { pin: ['2580'] }]) {
        expect((await exchange(session, body)).status).toBe(400);
      }
      expect((await exchange(session, { pin: PIN })).status).toBe(200);
    });
  });

  describe('PINs at rest and when chosen', () => {
    it('stores a salted scrypt hash, never the PIN', async () => {
      const row = await t.server.deps.db.selectFrom('users').select('pin_hash').where('id', '=', seed.user.id).executeTakeFirstOrThrow();
      expect(row.pin_hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(row.pin_hash).not.toContain(PIN);
      expect(await pinMatches(PIN, row.pin_hash ?? '')).toBe(true);
      expect(await pinMatches('2581', row.pin_hash ?? '')).toBe(false);
    });

    it('refuses PINs that are not 4 to 8 digits or are the first ones anyone would try', () => {
      for (const pin of ['123', '123456789', '12a4', ' 2580', '1234', '0000', '9876', '7890', '4321']) {
        expect(() => parseNewPin(pin), pin).toThrow();
      }
      for (const pin of ['2580', '1357', '90210', '13572468']) expect(parseNewPin(pin)).toBe(pin);
    });
  });
});
