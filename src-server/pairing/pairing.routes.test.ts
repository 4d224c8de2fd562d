import { hashSecret } from '../crypto.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { runCleanup } from '../maintenance/cleanup.ts';
import { signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { PAIRING_CODE_ALPHABET } from './pairing-code.ts';

let t: TestServer;
let seed: Seed;
let admin: string;
const clock = manualClock();
const ADMIN_PIN = '4826';
const MINUTE = 60 * 1000;

beforeEach(async () => {
  clock.set(Date.parse('2026-03-02T08:00:00Z'));
  t = await startTestServer({}, { clock });
  seed = await t.seed();
  // Katherine (the seed's admin) with a PIN, signed in with badge + PIN: changes allowed for 5 minutes.
  await t.server.services.users.setPin(seed.secretUser.id, ADMIN_PIN, { userId: null, source: 'cli' });
  admin = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
});
afterEach(() => t.close());

interface Pairing {
  id: string;
  code: string;
  pollSecret: string;
  expiresAt: string;
}

async function startPairing(body: unknown = {}): Promise<Pairing> {
  const created = await t.api('/api/v1/kiosk-pairings', { body });
  expect(created.status).toBe(201);
  return created.body as Pairing;
}
const poll = (p: Pick<Pairing, 'id' | 'pollSecret'>) => t.api(`/api/v1/kiosk-pairings/${p.id}`, { token: p.pollSecret });
const approve = (body: unknown, token = admin) => t.api('/api/v1/admin/kiosk-pairings/approve', { body, token });
/** Step-up lasts 5 minutes: tests that move the clock further confirm the PIN again. */
const stepUp = async () => expect((await t.api('/api/v1/admin/step-up', { token: admin, body: { pin: ADMIN_PIN } })).status).toBe(200);
const kioskCount = async () => (await t.server.deps.db.selectFrom('kiosks').select('id').execute()).length;

describe('pairing a kiosk with the server', () => {
  it('gives a kiosk a code, lets an administrator approve it, and hands the kiosk its key exactly once', async () => {
    const pairing = await startPairing({ name: 'Front desk' });
    const codeChar = `[${PAIRING_CODE_ALPHABET}]`;
    expect(pairing).toEqual({
      id: expect.any(String),
      code: expect.stringMatching(new RegExp(`^${codeChar}{4}-${codeChar}{4}$`)),
      pollSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date(clock.now() + 10 * MINUTE).toISOString(),
    });
    expect(pairing.code).not.toMatch(/[0O1IL]/);
    expect(await poll(pairing)).toEqual({ status: 200, body: { status: 'pending' } });

    const approved = await approve({ code: pairing.code, name: 'Lobby 2', location: 'Building B' });
    expect(approved.status).toBe(201);
    expect(approved.body).toEqual({ id: expect.any(Number), name: 'Lobby 2', location: 'Building B', pairingId: pairing.id });
    const kioskId = approved.body.id as number;

    const first = await poll(pairing);
    expect(first).toEqual({ status: 200, body: { status: 'approved', kiosk: { id: kioskId, name: 'Lobby 2' }, kioskKey: expect.stringMatching(/^tk_/) } });
    const second = await poll(pairing);
    expect(second).toEqual({ status: 200, body: { status: 'approved', kiosk: { id: kioskId, name: 'Lobby 2' } } });

    const self = await t.api('/api/v1/kiosk', { token: first.body.kioskKey });
    expect(self.status).toBe(200);
    expect(self.body.kiosk).toEqual({ id: kioskId, name: 'Lobby 2', location: 'Building B' });
    // No secret is at rest in clear: the key's hash is on the kiosk, nothing of it in the pairing.
    const row = await t.server.deps.db.selectFrom('kiosk_pairings').selectAll().where('id', '=', pairing.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kiosk_id: kioskId, delivered_at: clock.now() });
    expect(JSON.stringify(row)).not.toContain(first.body.kioskKey);
    const kiosk = await t.server.deps.db.selectFrom('kiosks').select('key_hash').where('id', '=', kioskId).executeTakeFirstOrThrow();
    expect(kiosk.key_hash).toBe(hashSecret(first.body.kioskKey));
    expect(JSON.stringify(row)).not.toContain(pairing.pollSecret);
    expect(JSON.stringify(row)).not.toContain(pairing.code.replace('-', ''));
  });

  it('accepts the code without its dash and in any case', async () => {
    const pairing = await startPairing();
    const typed = pairing.code.replace('-', '').toLowerCase();
    expect((await approve({ code: typed, name: 'Side door' })).status).toBe(201);
    expect((await poll(pairing)).body.status).toBe('approved');
  });

  it('refuses an unknown code with 404 PAIRING_NOT_FOUND and creates no kiosk', async () => {
    await startPairing();
    const before = await kioskCount();
    for (const code of ['BCDF-GHJK', 'not a code', 'B0DF-GHJK']) {
      const answer = await approve({ code, name: 'Nowhere' });
      expect(answer.status, code).toBe(404);
      expect(answer.body.error.code).toBe('PAIRING_NOT_FOUND');
    }
    expect(await kioskCount()).toBe(before);
  });

  it('lets a code expire after 10 minutes: 410 PAIRING_EXPIRED to the administrator and to the kiosk', async () => {
    const pairing = await startPairing();
    clock.advance(10 * MINUTE - 1);
    expect((await poll(pairing)).body).toEqual({ status: 'pending' });
    clock.advance(1);
    await stepUp();
    const before = await kioskCount();
    expect(await approve({ code: pairing.code, name: 'Too late' })).toMatchObject({ status: 410, body: { error: { code: 'PAIRING_EXPIRED' } } });
    expect(await poll(pairing)).toMatchObject({ status: 410, body: { error: { code: 'PAIRING_EXPIRED' } } });
    expect(await kioskCount()).toBe(before);
  });

  it('works once: the same code approved again is refused with 409 PAIRING_ALREADY_APPROVED', async () => {
    const pairing = await startPairing();
    expect((await approve({ code: pairing.code, name: 'Once' })).status).toBe(201);
    const before = await kioskCount();
    expect(await approve({ code: pairing.code, name: 'Twice' })).toMatchObject({ status: 409, body: { error: { code: 'PAIRING_ALREADY_APPROVED' } } });
    expect(await kioskCount()).toBe(before);
  });

  it('lets exactly one of two approvals of the same code made at once create a kiosk', async () => {
    const pairing = await startPairing();
    const before = await kioskCount();
    const cli = { userId: null, source: 'cli' } as const;
    const outcomes = await Promise.allSettled(['A', 'B'].map((name) => t.server.services.pairings.approve({ code: pairing.code, name }, cli)));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'PAIRING_ALREADY_APPROVED' } });
    expect(await kioskCount()).toBe(before + 1);
  });

  it('hands the key to exactly one of several polls made at once', async () => {
    const pairing = await startPairing();
    await approve({ code: pairing.code, name: 'Racy' });
    // At the service, so that all six read the row in the same turn before any of them writes.
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.server.services.pairings.status(pairing.id, pairing.pollSecret)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill('approved'));
    expect(answers.filter((a) => 'kioskKey' in a)).toHaveLength(1);
  });

  it('answers 404 PAIRING_NOT_FOUND to a wrong poll secret, no secret, or an unknown id, and never shows the key there', async () => {
    const pairing = await startPairing();
    await approve({ code: pairing.code, name: 'Guarded' });
    const other = await startPairing();
    for (const attempt of [
      { id: pairing.id, pollSecret: other.pollSecret },
      { id: pairing.id, pollSecret: `${pairing.pollSecret.slice(0, -1)}${pairing.pollSecret.endsWith('A') ? 'B' : 'A'}` },
      { id: '00000000-0000-0000-0000-000000000000', pollSecret: pairing.pollSecret },
    ]) {
      expect(await poll(attempt)).toMatchObject({ status: 404, body: { error: { code: 'PAIRING_NOT_FOUND' } } });
    }
    expect(await t.api(`/api/v1/kiosk-pairings/${pairing.id}`)).toMatchObject({ status: 404, body: { error: { code: 'PAIRING_NOT_FOUND' } } });
    expect((await poll(pairing)).body.kioskKey).toMatch(/^tk_/);
  });

  it('forgets a key the kiosk does not collect within 10 minutes of the approval', async () => {
    const pairing = await startPairing();
    clock.advance(9 * MINUTE);
    await stepUp();
    expect((await approve({ code: pairing.code, name: 'Slow' })).status).toBe(201);
    // The code's own 10 minutes are over, but the approval came in time: the key still goes out.
    clock.advance(2 * MINUTE);
    const late = await startPairing();
    expect((await approve({ code: late.code, name: 'Slower' })).status).toBe(201);
    expect((await poll(pairing)).body.kioskKey).toMatch(/^tk_/);
    clock.advance(10 * MINUTE);
    expect(await poll(late)).toMatchObject({ status: 410, body: { error: { code: 'PAIRING_EXPIRED' } } });
    const row = await t.server.deps.db.selectFrom('kiosk_pairings').select('delivered_at').where('id', '=', late.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ delivered_at: null });
  });

  it('is deleted by the cleanup job an hour after it began, collected or not', async () => {
    const pairing = await startPairing();
    await approve({ code: pairing.code, name: 'Forgotten' });
    const rows = () => t.server.deps.db.selectFrom('kiosk_pairings').select('id').execute();
    clock.advance(59 * MINUTE);
    await runCleanup(t.server.deps);
    expect(await rows()).toHaveLength(1);
    clock.advance(2 * MINUTE);
    await runCleanup(t.server.deps);
    expect(await rows()).toEqual([]);
    expect(await poll(pairing)).toMatchObject({ status: 404, body: { error: { code: 'PAIRING_NOT_FOUND' } } });
  });

  it('audits the approval: which administrator paired which kiosk, from which pairing, without any secret', async () => {
    const pairing = await startPairing({ name: 'Suggested name' });
    const approved = await approve({ code: pairing.code, name: 'Audited', location: 'Hall' });
    const rows = await t.server.deps.db.selectFrom('audit_log').selectAll().where('event', '=', 'kiosk.pair').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'success', source: 'admin', actor_user_id: seed.secretUser.id, kiosk_id: approved.body.id });
    expect(JSON.parse(rows[0]?.details ?? '{}')).toEqual({ pairingId: pairing.id, name: 'Audited', location: 'Hall', requestedName: 'Suggested name' });
    const key = (await poll(pairing)).body.kioskKey as string;
    const everything = JSON.stringify(await t.server.deps.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of [key, pairing.pollSecret, pairing.code, pairing.code.replace('-', '')]) expect(everything).not.toContain(secret);
  });

  it('needs an administrator with a recent PIN to approve', async () => {
    const pairing = await startPairing();
    const user = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
    expect((await approve({ code: pairing.code, name: 'X' }, user)).body.error.code).toBe('FORBIDDEN');
    expect((await approve({ code: pairing.code, name: 'X' }, 'nope')).status).toBe(401);
    clock.advance(5 * MINUTE + 1);
    expect((await approve({ code: pairing.code, name: 'X' })).body.error.code).toBe('STEP_UP_REQUIRED');
    expect((await poll(pairing)).body).toEqual({ status: 'pending' });
  });

  it('lets a revoked kiosk key fail with 401', async () => {
    const pairing = await startPairing();
    const approved = await approve({ code: pairing.code, name: 'Doomed' });
    const key = (await poll(pairing)).body.kioskKey as string;
    expect((await t.api(`/api/v1/admin/kiosks/${approved.body.id}/revoke`, { token: admin, body: {} })).status).toBe(200);
    expect(await t.api('/api/v1/kiosk', { token: key })).toMatchObject({ status: 401, body: { error: { code: 'KIOSK_UNAUTHORIZED' } } });
  });

  it('validates the bodies: 400 INVALID_REQUEST for a mistyped name or a missing code', async () => {
    expect(await t.api('/api/v1/kiosk-pairings', { body: { name: 42 } })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    expect(await approve({ name: 'No code' })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    expect((await t.api('/api/v1/kiosk-pairings', { method: 'POST' })).status).toBe(201);
  });
});

describe('rate limiting pairing requests', () => {
  it('answers 429 RATE_LIMITED in the API shape once a client asks for too many codes, but lets polls through', async () => {
    await t.close();
    t = await startTestServer({ rateLimit: { max: 2, windowMs: 60_000 } }, { clock });
    const pairing = await startPairing();
    await startPairing();
    const limited = await t.api('/api/v1/kiosk-pairings', { body: {} });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    for (let i = 0; i < 4; i++) expect((await poll(pairing)).status).toBe(200);
  });
});
