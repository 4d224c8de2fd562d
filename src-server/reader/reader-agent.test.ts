import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { pcscMissing, useVirtualReader } from '../testing/pcscd.ts';
import { readerState, tapBadge } from '../testing/taps.ts';
import { createLoginSession, signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { VirtualCard } from '../testing/virtual-card.ts';
import { watch, watchKiosk } from '../testing/ws-client.ts';
import { encodeSecretTlv } from './ndef.ts';
import { startReaderAgent, type ReaderAgent } from './reader-agent.ts';

// `tapin reader`'s agent, in this process, against a real server over HTTP, on the real PC/SC stack
// (our pcscd, vsmartcard's Virtual PCD, nfc-pcsc in the reader process). Only the badge is played.
if (pcscMissing) console.error('reader agent tests: skipped, pcscd or vsmartcard-vpcd is not installed');

let dir: string;
let t: TestServer;
let seed: Seed;
let agent: ReaderAgent;
let lines: string[];

const tap = (card: VirtualCard) => tapBadge(agent.reader, card);
const grace = () => new VirtualCard({ uid: '04A1B2C3D4E5F6' });
const katherine = () => new VirtualCard({ uid: '04112233445566', ndef: encodeSecretTlv(seed.secretUser.secret) });

/** What the kiosk screen shows of its reader: the last state its events channel carried. */
const shown = (messages: Record<string, unknown>[]) => {
  const last = messages.findLast((m) => m.type === 'hello' || m.type === 'reader');
  return last?.type === 'hello' ? last.reader : last?.state;
};

function startAgent(server = t.url): ReaderAgent {
  return startReaderAgent({
    server,
    kioskKey: seed.kioskKey,
    stateTtlSeconds: 3,
    tapTimeoutMs: 10_000,
    retryDelay: () => 300,
    log: { info: (line) => lines.push(line), warn: (line) => lines.push(`warn: ${line}`) },
  });
}

describe.skipIf(pcscMissing)('the desk reader at a kiosk, for a server elsewhere (reader agent)', () => {
  const pcscd = useVirtualReader();
  beforeEach(async () => {
    lines = [];
    dir = mkdtempSync(join(tmpdir(), 'tapin-agent-'));
    t = await startTestServer({}, { dir });
    seed = await t.seed();
    agent = startAgent();
    await readerState(agent.reader, 'ready');
    return async () => {
      await agent.stop();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });

  it('shows its state on the kiosk screen, and no-service once it stops', async () => {
    const events = await watchKiosk(t.url, seed.kioskKey);
    await expect.poll(() => shown(events.messages)).toBe('ready');
    await tap(new VirtualCard({ uid: '04FFFFFFFFFFFF' }));
    await events.next((m) => m.type === 'reader' && m.state === 'card-present');
    await expect.poll(() => shown(events.messages)).toBe('ready');
    await agent.stop();
    // Told at once, before its last report (3 s) would have run out.
    await events.next((m) => m.type === 'reader' && m.state === 'no-service', 1_500);
    events.socket.close();
  });

  it('signs in through the kiosk waiting session when a known badge is tapped (tap-in)', async () => {
    const session = await createLoginSession(t, seed.kioskKey);
    const watcher = await watch(t.url, session.id, session.kioskSecret);
    await watcher.next((m) => m.status === 'pending');
    expect(await tap(grace())).toBe('accepted');
    await watcher.next((m) => m.status === 'authenticated');
    watcher.socket.close();
    const audit = await t.server.deps.db.selectFrom('audit_log').select(['outcome', 'source', 'login_session_id']).where('event', 'like', 'login.%').execute();
    expect(audit).toEqual([{ outcome: 'success', source: 'reader-agent', login_session_id: session.id }]);
    expect(lines).toContain('tap: signed_in');
  });

  it('signs its user out on the same badge (tap-out), and over to another badge (tap-over)', async () => {
    const graceToken = await signIn(t, seed.kioskKey, { uid: seed.user.uid });
    const standby = await createLoginSession(t, seed.kioskKey);
    expect(await tap(katherine())).toBe('accepted');
    expect((await t.api('/api/v1/me', { token: graceToken })).status).toBe(401);
    const exchanged = await t.api(`/api/v1/login-sessions/${standby.id}/exchange`, { token: standby.kioskSecret, body: {} });
    expect(exchanged.body.user.displayName).toBe('Katherine Johnson');

    expect(await tap(katherine())).toBe('accepted');
    expect((await t.api('/api/v1/me', { token: exchanged.body.accessToken })).status).toBe(401);
    expect(lines.filter((line) => line.startsWith('tap:'))).toEqual(['tap: signed_in', 'tap: signed_out']);
  });

  it('shows an unknown badge refused, and a tap with no waiting session ignored', async () => {
    expect(await tap(grace())).toBe('ignored');
    const session = await createLoginSession(t, seed.kioskKey);
    expect(await tap(new VirtualCard({ uid: '04FFFFFFFFFFFF' }))).toBe('rejected');
    expect(await tap(new VirtualCard({ uid: '04112233445566' }))).toBe('rejected');
    const row = await t.server.deps.db.selectFrom('login_sessions').select(['status', 'rejected_badges']).where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', rejected_badges: 2 });
  });

  it('refuses a tap at once while the server is down, never replays it, and carries on when the server is back', async () => {
    const port = new URL(t.url).port;
    const session = await createLoginSession(t, seed.kioskKey);
    await t.close();

    const started = Date.now();
    expect(await tap(grace())).toBe('rejected');
    // Refused on the spot, not after the 10 s tap timeout.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(lines.some((line) => line.startsWith('warn: server: unreachable'))).toBe(true);

    t = await startTestServer({ port: Number(port) }, { dir });
    const events = await watchKiosk(t.url, seed.kioskKey);
    // The heartbeat tells the new server the reader's state within a second.
    await expect.poll(() => shown(events.messages), { timeout: 5_000 }).toBe('ready');
    await expect.poll(() => lines).toContain('server: reachable again');
    const row = await t.server.deps.db.selectFrom('login_sessions').select('status').where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(await tap(grace())).toBe('accepted');
    events.socket.close();
  });

  it('recovers by itself when pcscd is killed and started again', async (context) => {
    if (pcscd.borrowed) context.skip("pcscd is the machine's own, not the test's to kill");
    const events = await watchKiosk(t.url, seed.kioskKey);
    await pcscd.stop();
    await events.next((m) => m.type === 'reader' && m.state === 'no-service');
    pcscd.start();
    await readerState(agent.reader, 'ready', 20_000);
    await expect.poll(() => shown(events.messages)).toBe('ready');
    await createLoginSession(t, seed.kioskKey);
    expect(await tap(grace())).toBe('accepted');
    events.socket.close();
  }, 30_000);
});
