import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../testing/cli.ts';
import { pcscMissing, useVirtualReader } from '../testing/pcscd.ts';
import { createLoginSession, startTestServer, type TestServer } from '../testing/test-server.ts';
import { VirtualCard } from '../testing/virtual-card.ts';
import { watch, watchKiosk } from '../testing/ws-client.ts';

// `tapin reader` as a kiosk runs it: its own process, the real PC/SC stack, a real server over HTTP.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tapin-reader-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

describe('tapin reader: flags and key file', () => {
  const good = () => keyFile('good.json', JSON.stringify({ server: 'http://127.0.0.1:9', kioskId: 1, kioskKey: 'tk_abc' }));
  const cases: [string, () => string[], RegExp][] = [
    ['no key file', () => ['reader', '--server', 'http://127.0.0.1:9'], /^tapin: --key-file is required/],
    ['a missing key file', () => ['reader', '--key-file', join(dir, 'nope.json')], /^tapin: cannot read the key file .*nope\.json: no such file/],
    ['a key file that is not JSON', () => ['reader', '--key-file', keyFile('junk.json', 'kioskKey=tk_abc')], /^tapin: the key file .*junk\.json is not JSON/],
    ['a key file without its key', () => ['reader', '--key-file', keyFile('nokey.json', JSON.stringify({ server: 'http://127.0.0.1:9', kioskId: 1 }))], /has no valid "kioskKey"/],
    ['a key file without a kiosk id', () => ['reader', '--key-file', keyFile('noid.json', JSON.stringify({ server: 'http://127.0.0.1:9', kioskKey: 'k' }))], /has no valid "kioskId"/],
    ['a server that is not a URL', () => ['reader', '--server', 'localhost:8787', '--key-file', good()], /^tapin: --server must be an http:\/\/ or https:\/\/ URL/],
    ['an unknown flag', () => ['reader', '--key-file', good(), '--kiosk', '2'], /^tapin: Unknown option '--kiosk'/],
  ];
  it.each(cases)('exits 2 with one line on %s', async (_what, args, message) => {
    const result = await runCli(args());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

if (pcscMissing) console.error('tapin reader tests: skipped, pcscd or vsmartcard-vpcd is not installed');

describe.skipIf(pcscMissing)('tapin reader on a real PC/SC stack', () => {
  useVirtualReader();
  let t: TestServer;
  let reader: CliProcess | undefined;
  afterEach(async () => {
    await reader?.stop('SIGKILL');
    reader = undefined;
    await t?.close();
  });

  /** Holds a badge to the reader until the reader process says what became of it. */
  async function tap(card: VirtualCard): Promise<string> {
    const running = reader;
    if (!running) throw new Error('tapin reader is not running');
    const since = running.output().length;
    await card.tap();
    try {
      return (await running.waitFor(/tap: (\w+)/, 15_000, since))[1] ?? '';
    } finally {
      await card.remove();
      await running.waitFor(/reader: ready/, 15_000, since);
    }
  }

  it('says when the reader is ready, shows it on the kiosk screen, signs a badge in, and stops on SIGTERM', async () => {
    t = await startTestServer();
    const seed = await t.seed();
    const path = keyFile('kiosk.json', JSON.stringify({ server: 'http://192.0.2.1:1', kioskId: seed.kioskId, kioskKey: seed.kioskKey }));
    const events = await watchKiosk(t.url, seed.kioskKey);
    // --server wins over the server the key file names.
    reader = await startCli(['reader', '--server', t.url, '--key-file', path], /reader: ready/);
    await expect.poll(() => events.messages.findLast((m) => m.type === 'reader')).toEqual({ type: 'reader', state: 'ready' });

    const session = await createLoginSession(t, seed.kioskKey);
    const watcher = await watch(t.url, session.id, session.kioskSecret);
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('signed_in');
    await watcher.next((m) => m.status === 'authenticated');
    watcher.socket.close();
    expect(await tap(new VirtualCard({ uid: '04FFFFFFFFFFFF' }))).toBe('ignored');

    expect(await reader.stop('SIGTERM')).toBe(0);
    reader = undefined;
    await events.next((m) => m.type === 'reader' && m.state === 'no-service');
    events.socket.close();
  }, 60_000);

  it('keeps running while the server is away, refusing taps at once, and reports to it when it is back', async () => {
    const serverDir = join(dir, 'server');
    mkdirSync(serverDir);
    t = await startTestServer({}, { dir: serverDir });
    const seed = await t.seed();
    const port = new URL(t.url).port;
    await t.close();
    const path = keyFile('away.json', JSON.stringify({ server: `http://127.0.0.1:${port}`, kioskId: seed.kioskId, kioskKey: seed.kioskKey }));
    reader = await startCli(['reader', '--key-file', path], /reader: ready/);
    await reader.waitFor(/server: unreachable/);
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('refused');

    t = await startTestServer({ port: Number(port) }, { dir: serverDir });
    const events = await watchKiosk(t.url, seed.kioskKey);
    // The heartbeat (every 10 s) brings the new server the reader's state.
    await expect.poll(() => events.messages.findLast((m) => m.type === 'reader' || m.type === 'hello'), { timeout: 15_000 }).toMatchObject({ type: 'reader', state: 'ready' });
    await createLoginSession(t, seed.kioskKey);
    expect(await tap(new VirtualCard({ uid: '04A1B2C3D4E5F6' }))).toBe('signed_in');
    events.socket.close();
    expect(await reader.stop('SIGINT')).toBe(0);
    reader = undefined;
  }, 60_000);
});
