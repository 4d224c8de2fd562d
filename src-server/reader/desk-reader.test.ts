import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLoginSession, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { Pcscd, pcscMissing } from '../testing/pcscd.ts';
import { VirtualCard } from '../testing/virtual-card.ts';
import { watch } from '../testing/ws-client.ts';
import type { DeskReader, DeskReaderState, TapOutcome } from './desk-reader.ts';
import { encodeSecretTlv } from './ndef.ts';

// The real PC/SC stack: our own pcscd, vsmartcard's "Virtual PCD" driver, nfc-pcsc in the reader
// process. Only the badge is played, by VirtualCard over vpcd's socket. One file, run in sequence:
// there is one virtual reader on the machine.
if (pcscMissing) console.error('desk reader tests: skipped, pcscd or vsmartcard-vpcd is not installed');

const pcscd = new Pcscd();
let t: TestServer;
let seed: Seed;
let reader: DeskReader;

function until(reader: DeskReader, wanted: DeskReaderState, timeoutMs = 15_000): Promise<void> {
  if (reader.state === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`desk reader stayed ${reader.state}, never ${wanted}`)), timeoutMs);
    const onState = (state: DeskReaderState) => {
      if (state !== wanted) return;
      clearTimeout(timer);
      reader.events.off('state', onState);
      resolve();
    };
    reader.events.on('state', onState);
  });
}

/** Holds a badge to the reader until its tap has been handled; resolves with the outcome. */
async function tap(card: VirtualCard): Promise<TapOutcome> {
  const outcome = new Promise<TapOutcome>((resolve) => reader.events.once('tap', (_tap, result) => resolve(result)));
  await card.tap();
  try {
    return await outcome;
  } finally {
    await card.remove();
    await until(reader, 'ready');
  }
}

describe.skipIf(pcscMissing)('the desk reader on a real PC/SC stack', () => {
  beforeAll(async () => {
    pcscd.start();
  });
  afterAll(async () => {
    await pcscd.stop();
  });
  beforeEach(async () => {
    t = await startTestServer();
    seed = await t.seed();
    reader = t.server.attachDeskReader(seed.kioskId, { retryDelay: () => 300 });
    await until(reader, 'ready');
    return () => t.close();
  });

  it('validates the kiosk newest waiting session when a known badge is tapped', async () => {
    await createLoginSession(t, seed.kioskKey);
    const session = await createLoginSession(t, seed.kioskKey);
    const watcher = await watch(t.url, session.id, session.kioskSecret);
    await watcher.next((m) => m.status === 'pending');
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('accepted');
    await watcher.next((m) => m.status === 'authenticated');
    const audit = await t.server.deps.db.selectFrom('audit_log').select(['outcome', 'source', 'login_session_id']).execute();
    expect(audit).toEqual([{ outcome: 'success', source: 'desk-reader', login_session_id: session.id }]);
    watcher.socket.close();
  });

  it('rejects unknown and revoked badges, counting them against the session', async () => {
    const session = await createLoginSession(t, seed.kioskKey);
    const revoked = await t.server.services.badges.enroll({ userId: seed.user.id, uid: '04DEADBEEF0001' });
    await t.server.services.badges.revoke(revoked.id, 'lost');
    expect(await tap(new VirtualCard({ uid: '04FFFFFFFFFFFF' }))).toBe('rejected');
    expect(await tap(new VirtualCard({ uid: '04DEADBEEF0001' }))).toBe('rejected');
    const row = await t.server.deps.db.selectFrom('login_sessions').select(['status', 'rejected_badges']).where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', rejected_badges: 2 });
    const reasons = await t.server.deps.db.selectFrom('audit_log').select(['reason', 'source']).orderBy('id').execute();
    expect(reasons).toEqual([
      { reason: 'unknown_badge', source: 'desk-reader' },
      { reason: 'revoked_badge', source: 'desk-reader' },
    ]);
  });

  it('reads the badge secret from the tag, and refuses the same UID without it', async () => {
    await createLoginSession(t, seed.kioskKey);
    expect(await tap(new VirtualCard({ uid: '04112233445566' }))).toBe('rejected');
    expect(await tap(new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) }))).toBe('accepted');
  });

  it('counts a badge left on the reader as one tap', async () => {
    await createLoginSession(t, seed.kioskKey);
    const taps: string[] = [];
    reader.events.on('tap', (badge) => taps.push(badge.uid));
    const card = new VirtualCard({ uid: '04FFFFFFFFFFFF' });
    await card.tap();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await card.remove();
    expect(taps).toEqual(['04FFFFFFFFFFFF']);
  });

  it('ignores a tap when no session is waiting at its kiosk', async () => {
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('ignored');
  });

  it.skipIf(pcscd.borrowed)('recovers by itself when pcscd is killed and started again', async () => {
    await pcscd.stop();
    await until(reader, 'no-service');
    pcscd.start();
    await until(reader, 'ready', 20_000);
    await createLoginSession(t, seed.kioskKey);
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('accepted');
  });
});
