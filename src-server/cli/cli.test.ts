import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, startServe, TAPIN_BIN, type ServeProcess } from '../testing/cli.ts';
import { pinMatches } from '../users/pin.ts';
import { run } from './main.ts';

let dir: string;
let db: string;
let serving: ServeProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tapin-cli-'));
  db = join(dir, 'tapin.sqlite');
});
afterEach(async () => {
  await serving?.stop('SIGKILL');
  serving = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const lines = (text: string) => text.trim().split('\n');

async function post(url: string, path: string, body: unknown, token?: string) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

describe('tapin user / badge / kiosk', () => {
  it('creates a user, enrolls and revokes a badge, registers a kiosk, printing one JSON object each', async () => {
    const user = await runCli(['user', 'add', '--name', 'Ada Lovelace', '--role', 'admin', '--db', db]);
    expect(user).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(user.stdout)).toEqual({ id: 1, displayName: 'Ada Lovelace', role: 'admin' });

    const badge = await runCli(['badge', 'add', '--user', '1', '--uid', '04:a1:b2:c3:d4:e5:f6', '--label', 'blue card', '--db', db]);
    expect(badge.code).toBe(0);
    expect(JSON.parse(badge.stdout)).toEqual({ id: 1, uid: '04A1B2C3D4E5F6' });

    const secret = await runCli(['badge', 'add', '--user', '1', '--uid', '04112233445566', '--with-secret'], { TAPIN_DB: db });
    const secretBadge = JSON.parse(secret.stdout);
    expect(secretBadge).toEqual({ id: 2, uid: '04112233445566', secret: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });

    const revoked = await runCli(['badge', 'revoke', '1', '--db', db]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: 1, revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    const kiosk = await runCli(['kiosk', 'add', '--name', 'Lobby', '--location', 'Building A', '--db', db]);
    expect(kiosk.code).toBe(0);
    expect(JSON.parse(kiosk.stdout)).toEqual({ id: 1, key: expect.stringMatching(/^tk_[A-Za-z0-9_-]{43}$/) });
  });

  it('sets a PIN read from standard input, never from the command line, and removes it', async () => {
    await runCli(['user', 'add', '--name', 'Ada Lovelace', '--db', db]);
    const set = await runCli(['user', 'pin', '1', '--db', db], {}, '2580\n');
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(set.stdout)).toEqual({ id: 1, pinSet: true });
    const weak = await runCli(['user', 'pin', '1', '--db', db], {}, '1234\n');
    expect(weak).toMatchObject({ code: 2, stderr: 'tapin: this PIN is too easy to guess (repeated or consecutive digits); choose another\n' });
    expect((await runCli(['user', 'pin', '1', '--db', db])).stderr).toMatch(/no PIN on standard input/);
    expect((await runCli(['user', 'pin', '9', '--db', db], {}, '2580\n')).stderr).toMatch(/no user with id 9/);
    expect(JSON.parse((await runCli(['user', 'pin', '1', '--clear', '--db', db])).stdout)).toEqual({ id: 1, pinSet: false });
    const verified = await runCli(['audit', 'verify', '--db', db]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, rows: 3 });
  });

  // A real terminal for the CLI: util-linux `script` gives it a pseudo-terminal and types what we send.
  it.skipIf(!existsSync('/usr/bin/script'))('asks for the PIN at a terminal without echoing it', async () => {
    await runCli(['user', 'add', '--name', 'Ada Lovelace', '--db', db]);
    const command = [process.execPath, TAPIN_BIN, 'user', 'pin', '1', '--db', db].map((part) => `'${part}'`).join(' ');
    const terminal = spawn('/usr/bin/script', ['-qfec', command, '/dev/null']);
    let screen = '';
    terminal.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    await vi.waitFor(() => expect(screen).toContain('New PIN (4 to 8 digits): '), { timeout: 10_000 });
    // Two digits, two backspaces, then the PIN and Enter.
    terminal.stdin.write('48\x7f\x7f4826\r');
    const code = await new Promise<number | null>((resolve) => terminal.once('exit', resolve));
    expect(code).toBe(0);
    expect(screen).toContain('{"id":1,"pinSet":true}');
    expect(screen).not.toMatch(/48/);
    const file = new Database(db, { readonly: true });
    const stored = file.prepare('select pin_hash from users where id = 1').pluck().get() as string;
    file.close();
    expect(await pinMatches('4826', stored)).toBe(true);
  });

  it.each([
    [['user', 'add', '--db', '<db>'], /--name is required/],
    [['user', 'add', '--name', 'X', '--role', 'root', '--db', '<db>'], /role must be one of user, admin/],
    [['user', 'add', '--name', 'X', '--colour', 'red', '--db', '<db>'], /Unknown option '--colour'/],
    [['badge', 'add', '--user', 'abc', '--uid', '04A1B2C3', '--db', '<db>'], /--user must be a whole number/],
    [['badge', 'add', '--user', '1', '--uid', 'zz', '--db', '<db>'], /invalid badge UID/],
    [['badge', 'add', '--user', '99', '--uid', '04A1B2C3', '--db', '<db>'], /no user with id 99/],
    [['badge', 'revoke', '--db', '<db>'], /a badge ID is required/],
    [['badge', 'revoke', '42', '--db', '<db>'], /no badge with id 42/],
    [['kiosk', 'add', '--name', '   ', '--db', '<db>'], /--name is required/],
    [['kiosk', 'remove', '--db', '<db>'], /unknown command "kiosk remove"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['serve', '--port', 'eighty', '--db', '<db>'], /--port must be a whole number/],
    [['serve', '--port', '70000', '--db', '<db>'], /--port must be between 0 and 65535/],
    [['serve', '--public-url', 'ftp://x', '--db', '<db>'], /--public-url must use http or https/],
    [['serve', '--session-ttl', '0', '--db', '<db>'], /--session-ttl must be between 1/],
    [['serve', '--cleanup-cron', 'every minute', '--db', '<db>'], /not a valid cron expression/],
  ])('exits 2 with a one-line message for %j', async (args, message) => {
    // In-process through the same entry point the bin calls; the spawned case below covers the process boundary.
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args.map((a) => (a === '<db>' ? db : a)), { out: (l) => out.push(l), err: (l) => err.push(l), readLine: async () => '', env: {} });
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(lines(err[0] ?? '')).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });

  it('exits 2 from the real process too, with nothing on stdout', async () => {
    const result = await runCli(['badge', 'add', '--user', '1', '--db', db]);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'tapin: --uid is required\n' });
  });

  it('refuses a bad value from the environment too', async () => {
    const result = await runCli(['serve', '--db', db], { SESSION_TTL_SECONDS: 'soon' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SESSION_TTL_SECONDS must be a whole number/);
  });

  it('refuses a UID that is already enrolled, and accepts it again once revoked', async () => {
    await runCli(['user', 'add', '--name', 'A', '--db', db]);
    expect((await runCli(['badge', 'add', '--user', '1', '--uid', '04A1B2C3', '--db', db])).code).toBe(0);
    const twice = await runCli(['badge', 'add', '--user', '1', '--uid', '04:a1:b2:c3', '--db', db]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already enrolled/);
    await runCli(['badge', 'revoke', '1', '--db', db]);
    expect((await runCli(['badge', 'add', '--user', '1', '--uid', '04A1B2C3', '--db', db])).code).toBe(0);
  });
});

describe('tapin serve', () => {
  it('serves the whole flow for CLI-made data, logs no secret, and shuts down cleanly on SIGTERM', async () => {
    await runCli(['user', 'add', '--name', 'Ada', '--db', db]);
    await runCli(['badge', 'add', '--user', '1', '--uid', '04A1B2C3D4E5F6', '--db', db]);
    const { key } = JSON.parse((await runCli(['kiosk', 'add', '--name', 'Lobby', '--db', db])).stdout);

    serving = await startServe(['--port', '0', '--db', db, '--log-level', 'debug'], { HOST: '127.0.0.1' });
    expect(serving.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const session = (await post(serving.url, '/api/v1/login-sessions', {}, key)).body;
    const validated = await post(serving.url, '/api/v1/login-sessions/validate', { token: session.token, badge: { uid: '04a1b2c3d4e5f6' } });
    expect(validated.status).toBe(200);
    const exchanged = (await post(serving.url, `/api/v1/login-sessions/${session.id}/exchange`, {}, session.kioskSecret)).body;
    expect(exchanged.user.displayName).toBe('Ada');

    const code = await serving.stop('SIGTERM');
    expect(code).toBe(0);
    const log = serving.output();
    // At debug, one line per request, written once it is answered: the three above, each with its status and duration.
    const requests = log.split('\n').filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line));
    expect(requests.map((r) => [r.method, r.url, r.statusCode])).toEqual([
      ['POST', '/api/v1/login-sessions', 201],
      ['POST', '/api/v1/login-sessions/validate', 200],
      ['POST', `/api/v1/login-sessions/${session.id}/exchange`, 200],
    ]);
    for (const request of requests) expect(request.ms).toBeGreaterThan(0);
    expect(log).not.toContain('incoming request');
    for (const secret of [key, session.token, session.kioskSecret, exchanged.accessToken]) expect(log).not.toContain(secret);
    serving = undefined;
  });

  it('logs refusals at info and leaves successful requests to debug, as shipped', async () => {
    const { key } = JSON.parse((await runCli(['kiosk', 'add', '--name', 'Lobby', '--db', db])).stdout);
    serving = await startServe(['--port', '0', '--db', db]);
    expect((await post(serving.url, '/api/v1/login-sessions', {}, key)).status).toBe(201);
    expect((await post(serving.url, '/api/v1/login-sessions', {}, 'tk_wrong')).status).toBe(401);
    expect(await serving.stop()).toBe(0);
    const requests = serving
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line));
    expect(requests.map((r) => [r.level, r.method, r.url, r.statusCode])).toEqual([[30, 'POST', '/api/v1/login-sessions', 401]]);
    expect(serving.output()).not.toContain('tk_wrong');
    serving = undefined;
  });

  it('--demo seeds an empty database, prints the kiosk key, and renews it on the next start', async () => {
    serving = await startServe(['--port', '0', '--db', db, '--demo', '--log-level', 'warn']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const key = /key: (tk_\S+)/.exec(serving.output())?.[1];
    expect(key).toBeDefined();
    expect(serving.output()).toContain('badge 04A1B2C3D4E5F6  Ada Lovelace (admin)');
    const session = await post(serving.url, '/api/v1/login-sessions', {}, key);
    expect(session.status).toBe(201);
    const validated = await post(serving.url, '/api/v1/login-sessions/validate', { token: session.body.token, badge: { uid: '04A1B2C3D4E5F6' } });
    expect(validated.body.user.displayName).toBe('Ada Lovelace');
    expect(await serving.stop()).toBe(0);

    serving = await startServe(['--port', '0', '--db', db, '--demo', '--log-level', 'warn']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const renewed = /key: (tk_\S+)/.exec(serving.output())?.[1];
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(key);
    expect((await post(serving.url, '/api/v1/login-sessions', {}, key)).status).toBe(401);
    expect((await post(serving.url, '/api/v1/login-sessions', {}, renewed)).status).toBe(201);
  });

  it('--demo leaves a database with real data alone', async () => {
    await runCli(['user', 'add', '--name', 'Real person', '--db', db]);
    serving = await startServe(['--port', '0', '--db', db, '--demo', '--log-level', 'warn']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(serving.output()).toMatch(/left as it is/);
    expect(serving.output()).not.toMatch(/key: tk_/);
  });

  it('says so in one line and exits when its port is taken', async () => {
    serving = await startServe(['--port', '0', '--db', db, '--log-level', 'warn']);
    const port = new URL(serving.url).port;
    const second = await runCli(['serve', '--port', port, '--db', join(dir, 'other.sqlite'), '--log-level', 'silent']);
    expect(second.code).toBe(1);
    expect(lines(second.stderr)).toHaveLength(1);
    expect(second.stderr).toMatch(/EADDRINUSE/);
  });

  it('keeps its data across a restart on the same file', async () => {
    await runCli(['user', 'add', '--name', 'Ada', '--db', db]);
    await runCli(['badge', 'add', '--user', '1', '--uid', '04A1B2C3D4E5F6', '--db', db]);
    const { key } = JSON.parse((await runCli(['kiosk', 'add', '--name', 'Lobby', '--db', db])).stdout);
    serving = await startServe(['--port', '0', '--db', db, '--log-level', 'warn']);
    const session = (await post(serving.url, '/api/v1/login-sessions', {}, key)).body;
    await serving.stop();

    serving = await startServe(['--port', '0', '--db', db, '--log-level', 'warn']);
    const validated = await post(serving.url, '/api/v1/login-sessions/validate', { token: session.token, badge: { uid: '04A1B2C3D4E5F6' } });
    expect(validated.status).toBe(200);
  });
});

describe('tapin cleanup', () => {
  it('runs the cleanup job once and prints what it did', async () => {
    await runCli(['kiosk', 'add', '--name', 'Lobby', '--db', db]);
    const result = await runCli(['cleanup', '--db', db]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ expiredSessions: 0, deletedLoginSessions: 0, deletedAccessSessions: 0, prunedAuditRows: 0 });
  });
});
