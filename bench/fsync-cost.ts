import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

/**
 * What durability costs on this disk: the same group commits (BEGIN IMMEDIATE, `rowsPerCommit` inserts,
 * COMMIT) with synchronous=FULL, as TapIn ships, and with NORMAL, which skips the fsync of each commit.
 */
export function commitCost(folder: string, commits = 1_000, rowsPerCommit = 20): { fullUs: number; normalUs: number } {
  const perCommit = (synchronous: 'FULL' | 'NORMAL') => {
    const dir = mkdtempSync(join(folder, 'fsync-'));
    const db = new SQLite(join(dir, 'cost.sqlite'));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.exec('create table t (id integer primary key, payload text not null)');
      const insert = db.prepare('insert into t (payload) values (?)');
      const payload = 'x'.repeat(200);
      const started = performance.now();
      for (let i = 0; i < commits; i++) {
        db.exec('BEGIN IMMEDIATE');
        for (let j = 0; j < rowsPerCommit; j++) insert.run(payload);
        db.exec('COMMIT');
      }
      return ((performance.now() - started) * 1000) / commits;
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  perCommit('FULL');
  return { fullUs: perCommit('FULL'), normalUs: perCommit('NORMAL') };
}
