import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer, walBytes as walBytesOf, type Checkpointer } from './checkpointer.ts';
import { openDatabase, type TapinDb } from './open.ts';

const LIMIT = 256 * 1024;
let dir: string;
let path: string;
let db: TapinDb | undefined;
let checkpointer: Checkpointer | undefined;

const walBytes = () => walBytesOf(path);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tapin-wal-'));
  path = join(dir, 'tapin.sqlite');
});
afterEach(async () => {
  await db?.destroy();
  await checkpointer?.stop();
  db = checkpointer = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** The server's database as `buildServer` opens it, with a small WAL limit to reach quickly. */
async function openAsServer(options: Parameters<typeof startCheckpointer>[1] = {}) {
  db = await openDatabase(path, { backgroundCheckpoints: true, walLimitBytes: LIMIT });
  checkpointer = startCheckpointer(path, { intervalMs: 20, ...options });
  await sql`create table filler (id integer primary key, payload blob not null)`.execute(db);
  return db;
}

describe('the WAL, on a server under load', () => {
  it('stays near its limit through a burst of writes that never pauses, and is emptied once idle', async () => {
    const db = await openAsServer();
    let largest = 0;
    // About 24 MiB (96 times the limit) in 600 group commits, back to back. Whether the checkpointer
    // keeps up on its own or the writer has to reset the WAL depends on the machine's speed; either
    // way the WAL stays near its limit.
    for (let turn = 0; turn < 600; turn++) {
      await Promise.all(Array.from({ length: 10 }, () => sql`insert into filler (payload) values (${Buffer.alloc(4000, turn)})`.execute(db)));
      largest = Math.max(largest, walBytes());
    }
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(4 * LIMIT);
    await expect.poll(walBytes, { timeout: 5_000 }).toBe(0);
    const { rows } = await sql<{ n: number }>`select count(*) as n from filler`.execute(db);
    expect(rows[0]?.n).toBe(6000);
  });

  it('says when a reader keeps the WAL from being emptied, and again when it works', async () => {
    const events: string[] = [];
    const db = await openAsServer({
      busyTimeoutMs: 5,
      onError: (message) => events.push(`error: ${message}`),
      onRecovered: () => events.push('recovered'),
    });
    await sql`insert into filler (payload) values (${Buffer.alloc(4000)})`.execute(db);
    // Another connection opens a read transaction and keeps it.
    const stuck = new SQLite(path);
    stuck.exec('begin');
    stuck.prepare('select count(*) from filler').get();
    await sql`insert into filler (payload) values (${Buffer.alloc(4000)})`.execute(db);
    await expect.poll(() => events, { timeout: 5_000 }).toEqual([expect.stringMatching(/^error: the WAL could not be emptied/)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toHaveLength(1);
    stuck.exec('commit');
    stuck.close();
    await expect.poll(() => events, { timeout: 5_000 }).toEqual([expect.any(String), 'recovered']);
    await expect.poll(walBytes, { timeout: 5_000 }).toBe(0);
  });
});
