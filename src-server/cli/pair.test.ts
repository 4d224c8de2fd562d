import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { runCli, startServe, TAPIN_BIN, type CliResult, type ServeProcess } from '../testing/cli.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

let dir: string;
let t: TestServer | undefined;
let serving: ServeProcess | undefined;
let fake: Server | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tapin-pair-'));
});
afterEach(async () => {
  await serving?.stop('SIGKILL');
  await t?.close();
  await new Promise((done) => (fake ? fake.close(done) : done(undefined)));
  serving = undefined;
  t = undefined;
  fake = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function startPairing(server: TestServer) {
  const created = await server.api('/api/v1/kiosk-pairings', { body: {} });
  expect(created.status).toBe(201);
  return created.body as { id: string; code: string; pollSecret: string };
}

const expectOneLineFailure = (result: CliResult, code: number, message: RegExp) => {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
};

describe('tapin kiosk pair', () => {
  it("approves the code a kiosk shows, on the server's database, and prints the new kiosk's id", async () => {
    t = await startTestServer();
    const pairing = await startPairing(t);
    const result = await runCli(['kiosk', 'pair', pairing.code.toLowerCase(), '--name', 'Lobby', '--location', 'Hall', '--db', t.dbPath]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(result.stdout) as { id: number };
    expect(printed).toEqual({ id: expect.any(Number) });

    const polled = await t.api(`/api/v1/kiosk-pairings/${pairing.id}`, { token: pairing.pollSecret });
    expect(polled.body).toEqual({ status: 'approved', kiosk: { id: printed.id, name: 'Lobby' }, kioskKey: expect.stringMatching(/^tk_/) });
    const audit = await t.server.deps.db.selectFrom('audit_log').selectAll().where('event', '=', 'kiosk.pair').execute();
    expect(audit).toMatchObject([{ source: 'cli', actor_user_id: null, kiosk_id: printed.id }]);
  });

  it('exits 2 with one line for an unknown, a used or an expired code', async () => {
    // Pairings made by a server whose clock is 11 minutes behind are already expired for the CLI.
    t = await startTestServer({}, { clock: manualClock(Date.now() - 11 * 60 * 1000) });
    const expired = await startPairing(t);
    const used = await startPairing(t);
    await t.server.services.pairings.approve({ code: used.code, name: 'First' });

    expectOneLineFailure(await runCli(['kiosk', 'pair', 'BCDF-GHJK', '--name', 'X', '--db', t.dbPath]), 2, /^tapin: no kiosk is waiting with this code/);
    expectOneLineFailure(await runCli(['kiosk', 'pair', used.code, '--name', 'X', '--db', t.dbPath]), 2, /already used/);
    expectOneLineFailure(await runCli(['kiosk', 'pair', expired.code, '--name', 'X', '--db', t.dbPath]), 2, /expired/);
    expectOneLineFailure(await runCli(['kiosk', 'pair', expired.code, '--db', t.dbPath]), 2, /--name is required/);
  });
});

/** Starts `tapin pair …` and resolves with its first line of output and its exit. */
function startPair(args: string[]) {
  const child = spawn(process.execPath, [TAPIN_BIN, 'pair', ...args]);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CliResult>((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0] ?? '');
    });
    void exited.then((r) => reject(new Error(`tapin pair exited with ${r.code} before printing: ${r.stderr}`)));
  });
  return { child, firstLine, exited };
}

describe('tapin pair', () => {
  it('shows a code, waits for its approval with tapin kiosk pair, and writes the key file (0600) that then works', async () => {
    const db = join(dir, 'tapin.sqlite');
    serving = await startServe(['--port', '0', '--db', db, '--log-level', 'silent']);
    const keyFile = join(dir, 'kiosk.json');
    const pair = startPair(['--server', serving.url, '--key-file', keyFile, '--name', 'Reception']);
    const shown = JSON.parse(await pair.firstLine) as { code: string; expiresAt: string };
    expect(shown).toEqual({ code: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/), expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(existsSync(keyFile)).toBe(false);

    const approved = await runCli(['kiosk', 'pair', shown.code, '--name', 'Reception desk', '--db', db]);
    expect(approved.code).toBe(0);
    const kioskId = (JSON.parse(approved.stdout) as { id: number }).id;

    const result = await pair.exited;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([shown, { kioskId }]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(keyFile, 'utf8')) as { kioskKey: string };
    expect(written).toEqual({ server: serving.url, kioskId, kioskKey: expect.stringMatching(/^tk_/) });
    // Nothing left behind but the key file itself (no temporary file).
    expect(readdirSync(dir).filter((f) => f.startsWith('kiosk.json'))).toEqual(['kiosk.json']);

    const self = await fetch(`${serving.url}/api/v1/kiosk`, { headers: { authorization: `Bearer ${written.kioskKey}` } });
    expect(self.status).toBe(200);
    expect(((await self.json()) as { kiosk: { id: number } }).kiosk.id).toBe(kioskId);
  });

  it('exits 1 with one line when the code expires before anyone approves it', async () => {
    let polls = 0;
    fake = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      if (request.method === 'POST') {
        response.statusCode = 201;
        response.end(JSON.stringify({ id: 'p1', code: 'BCDF-GHJK', pollSecret: 's', expiresAt: new Date(Date.now() + 3000).toISOString() }));
        return;
      }
      polls += 1;
      response.statusCode = polls < 2 ? 200 : 410;
      response.end(JSON.stringify(polls < 2 ? { status: 'pending' } : { error: { code: 'PAIRING_EXPIRED', message: 'expired' } }));
    }).listen(0, '127.0.0.1');
    await new Promise((done) => fake?.once('listening', done));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const keyFile = join(dir, 'kiosk.json');
    const result = await startPair(['--server', url, '--key-file', keyFile]).exited;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout.trim())).toEqual({ code: 'BCDF-GHJK', expiresAt: expect.any(String) });
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tapin: the code expired/)]);
    expect(polls).toBe(2);
    expect(existsSync(keyFile)).toBe(false);
  });

  it('says in one line that the server cannot be reached, and exits 1', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((done) => closed.once('listening', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const result = await runCli(['pair', '--server', `http://127.0.0.1:${port}`, '--key-file', join(dir, 'k.json')]);
    expectOneLineFailure(result, 1, /^tapin: cannot reach the server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('exits 2 on a usage error, before asking any server', async () => {
    expectOneLineFailure(await runCli(['pair', '--server', 'http://127.0.0.1:9']), 2, /--key-file is required/);
    expectOneLineFailure(await runCli(['pair', '--key-file', join(dir, 'k.json')]), 2, /--server is required/);
    expectOneLineFailure(await runCli(['pair', '--server', 'ftp://x', '--key-file', join(dir, 'k.json')]), 2, /--server must be an http/);
    expectOneLineFailure(await runCli(['pair', '--server', 'http://127.0.0.1:9', '--key-file', join(dir, 'nowhere', 'k.json')]), 2, /does not exist/);
  });
});
