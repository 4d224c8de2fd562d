import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startServe, type ServeProcess } from '../testing/cli.ts';

let dir: string;
let serving: ServeProcess | undefined;
afterEach(async () => {
  await serving?.stop('SIGKILL');
  serving = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('a server killed in the middle of its writes', () => {
  it('has every login session it acknowledged on disk, after kill -9 under load, three times over', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tapin-crash-'));
    const db = join(dir, 'tapin.sqlite');
    const { key } = JSON.parse((await runCli(['kiosk', 'add', '--name', 'Lobby', '--db', db])).stdout) as { key: string };
    const acknowledged: string[] = [];

    for (let round = 0; round < 3; round++) {
      serving = await startServe(['--port', '0', '--db', db, '--log-level', 'warn']);
      const { url } = serving;
      let killed = false;
      // 20 kiosks asking for codes back to back; a request cut by the kill is simply not acknowledged.
      const kiosks = Array.from({ length: 20 }, async () => {
        while (!killed) {
          try {
            const response = await fetch(`${url}/api/v1/login-sessions`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: '{}',
            });
            if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
          } catch {
            return;
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 300 + 200 * round));
      const before = acknowledged.length;
      killed = true;
      await serving.stop('SIGKILL');
      serving = undefined;
      await Promise.all(kiosks);
      expect(before).toBeGreaterThan(0);
    }

    const sqlite = new SQLite(db);
    try {
      const onDisk = new Set(sqlite.prepare('select id from login_sessions').pluck().all() as string[]);
      const lost = acknowledged.filter((id) => !onDisk.has(id));
      expect(lost).toEqual([]);
    } finally {
      sqlite.close();
    }
  }, 60_000);
});
