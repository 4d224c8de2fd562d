import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { runCli } from '../testing/cli.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { mountTmpfs, type Tmpfs } from '../testing/tmpfs.ts';
import { startCheckpointer } from './checkpointer.ts';
import type { StorageLog } from './storage.ts';

let t: TestServer | undefined;
let disk: Tmpfs | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await t?.close();
  disk?.unmount();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  t = disk = scratch = undefined;
});

/** A tmpfs of `bytes`, or the test skipped with the reason (mounting needs a permitting container). */
function smallDisk(context: TestContext, bytes: number): Tmpfs {
  const mounted = mountTmpfs(bytes);
  if (typeof mounted === 'string') context.skip(`storage test skipped: ${mounted}`);
  return (disk = mounted as Tmpfs);
}

/** What the server's storage monitor logs, in order. */
function captureLog(server: TestServer): string[] {
  const lines: string[] = [];
  const log: StorageLog = { error: (_details, message) => lines.push(`error: ${message}`), info: (message) => lines.push(`info: ${message}`) };
  server.server.storage.log = log;
  return lines;
}

const createSession = (server: TestServer, kioskKey: string) => server.api('/api/v1/login-sessions', { token: kioskKey, body: {} });

describe('a database that cannot be written', () => {
  it('stops the start with one line that names the database and the reason', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tapin-storage-'));
    writeFileSync(join(scratch, 'not-a-folder'), '');
    const path = join(scratch, 'not-a-folder', 'tapin.sqlite');
    await expect(startTestServer({ dbPath: path })).rejects.toThrow(`cannot open the database ${path}: ${join(scratch, 'not-a-folder')} is a file, not a folder`);

    const served = await runCli(['serve', '--port', '0', '--db', path]);
    expect(served.code).toBe(1);
    expect(served.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tapin: cannot open the database .*not-a-folder\/tapin\.sqlite: .*not-a-folder is a file, not a folder$/)]);
  });

  it('stops the start when the disk is read-only', async (context) => {
    const fs = smallDisk(context, 8 * 2 ** 20);
    t = await startTestServer({}, { dir: fs.dir });
    await t.seed();
    await t.close();
    t = undefined;
    fs.readOnly(true);
    await expect(startTestServer({}, { dir: fs.dir })).rejects.toThrow(/^cannot (open|write to) the database .*tapin\.sqlite: .*\(SQLITE_(READONLY|CANTOPEN)\w*\)/);
  });
});

describe('a full disk while serving', () => {
  it('refuses writes with 503 STORAGE_UNAVAILABLE, keeps answering reads, is not ready, and recovers when space returns', async (context) => {
    const fs = smallDisk(context, 8 * 2 ** 20);
    mkdirSync(join(fs.dir, 'site'));
    const server = (t = await startTestServer({}, { dir: join(fs.dir, 'site') }));
    const seed = await server.seed();
    const log = captureLog(t);
    const before = await createSession(t, seed.kioskKey);
    expect(before.status).toBe(201);
    expect((await t.api('/readyz')).body).toEqual({ status: 'ready' });

    // Fill every last block the disk has.
    try {
      writeFileSync(join(fs.dir, 'filler'), Buffer.alloc(8 * 2 ** 20, 1));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0 ? createSession(server, seed.kioskKey) : i % 4 === 1 ? server.api('/healthz') : server.api(`/api/v1/login-sessions/${before.body.id}`, { token: before.body.kioskSecret }),
      ),
    );
    const writes = answers.filter((_, i) => i % 2 === 0);
    const reads = answers.filter((_, i) => i % 2 === 1);
    expect(reads.map((r) => r.status)).toEqual(reads.map(() => 200));
    expect(writes.every((r) => r.status === 201 || (r.status === 503 && r.body.error.code === 'STORAGE_UNAVAILABLE'))).toBe(true);
    expect(writes.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    const notReady = await t.api('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.error).toEqual({ code: 'NOT_READY', message: expect.stringMatching(/full/) });
    expect(log).toEqual([expect.stringMatching(/^error: database writes failing: database or disk is full \(SQLITE_FULL\)/)]);

    rmSync(join(fs.dir, 'filler'));
    await expect.poll(async () => (await server.api('/readyz')).status, { timeout: 5_000 }).toBe(200);
    expect((await createSession(t, seed.kioskKey)).status).toBe(201);
    expect(log.at(-1)).toBe('info: database writes working again');
  });
});

describe('a database file deleted or replaced while serving', () => {
  it('refuses writes that would be lost at the next restart, says so in /readyz and in the log', async () => {
    t = await startTestServer();
    const seed = await t.seed();
    const log = captureLog(t);
    rmSync(t.dbPath);
    const refused = await createSession(t, seed.kioskKey);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('STORAGE_UNAVAILABLE');
    expect(refused.body.error.message).toMatch(/was deleted while the server ran/);
    expect((await t.api('/healthz')).status).toBe(200);
    const notReady = await t.api('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.error.message).toMatch(/tapin\.sqlite was deleted while the server ran: writes are refused until TapIn is restarted/);
    expect(log).toEqual([expect.stringMatching(/^error: database writes failing: the database file .* was deleted/)]);
  });

  it('notices a file put in its place', async () => {
    t = await startTestServer();
    await t.seed();
    copyFileSync(t.dbPath, `${t.dbPath}.copy`);
    renameSync(`${t.dbPath}.copy`, t.dbPath);
    const notReady = await t.api('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.error.message).toMatch(/was replaced while the server ran/);
  });
});

describe('durable commits', () => {
  it('fsync every commit on every connection the server opens: its own and the checkpointer’s', async () => {
    t = await startTestServer();
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(t.server.deps.db);
    expect(rows).toEqual([{ synchronous: 2 }]);
    const checkpointer = startCheckpointer(t.dbPath);
    try {
      expect(await checkpointer.opened).toEqual({ synchronous: 2 });
    } finally {
      await checkpointer.stop();
    }
  });
});
