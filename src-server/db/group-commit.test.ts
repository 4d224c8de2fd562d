import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommitSqliteDialect } from './group-commit.ts';

interface TestDb {
  items: { id: number; name: string };
}

let dir: string;
let sqlite: SQLite.Database;
let db: Kysely<TestDb>;
let commits: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapin-gc-'));
  sqlite = new SQLite(join(dir, 'test.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.exec('create table items (id integer primary key, name text not null unique)');
  // Counts real commits by watching the data version a second connection sees change.
  commits = 0;
  const exec = sqlite.exec.bind(sqlite);
  sqlite.exec = (source: string) => {
    if (source === 'COMMIT') commits++;
    return exec(source);
  };
  db = new Kysely<TestDb>({ dialect: new GroupCommitSqliteDialect(sqlite) });
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (id: number, name: string) => db.insertInto('items').values({ id, name }).execute();
const otherConnection = () => new SQLite(join(dir, 'test.sqlite'), { readonly: true });

describe('group commit', () => {
  it('commits the writes of one event-loop turn together, and resolves each only once committed', async () => {
    const writes = Array.from({ length: 50 }, (_, i) => insert(i + 1, `item ${i + 1}`));
    const reader = otherConnection();
    // Not yet committed: another connection sees nothing.
    expect(reader.prepare('select count(*) as n from items').get()).toEqual({ n: 0 });
    await Promise.all(writes);
    expect(reader.prepare('select count(*) as n from items').get()).toEqual({ n: 50 });
    reader.close();
    expect(commits).toBe(1);
  });

  it('fails only the statement that broke a constraint, not its neighbours in the group', async () => {
    await insert(1, 'taken');
    const results = await Promise.allSettled([insert(2, 'a'), insert(3, 'taken'), insert(4, 'b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const names = await db.selectFrom('items').select('name').orderBy('id').execute();
    expect(names.map((r) => r.name)).toEqual(['taken', 'a', 'b']);
  });

  it('rolls back an explicit transaction without touching other writes of the same turn', async () => {
    const outside = insert(1, 'outside');
    const failed = db.transaction().execute(async (tx) => {
      await tx.insertInto('items').values({ id: 2, name: 'inside' }).execute();
      throw new Error('changed my mind');
    });
    await expect(failed).rejects.toThrow('changed my mind');
    await outside;
    expect(await db.selectFrom('items').select('name').execute()).toEqual([{ name: 'outside' }]);
  });

  it('keeps other queries out of an explicit transaction until it ends', async () => {
    await insert(1, 'one');
    const order: string[] = [];
    const transaction = db.transaction().execute(async (tx) => {
      order.push('tx read');
      const before = await tx.selectFrom('items').selectAll().execute();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await tx.updateTable('items').set({ name: `count ${before.length}` }).where('id', '=', 1).execute();
      order.push('tx write');
    });
    const outside = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await insert(2, 'two');
      order.push('outside write');
    })();
    await Promise.all([transaction, outside]);
    expect(order).toEqual(['tx read', 'tx write', 'outside write']);
    expect(await db.selectFrom('items').select('name').orderBy('id').execute()).toEqual([{ name: 'count 1' }, { name: 'two' }]);
  });

  it('runs the reads of one turn in one read transaction, and lets it go at the end of the turn', async () => {
    await insert(1, 'a');
    const begins: string[] = [];
    const exec = sqlite.exec.bind(sqlite);
    sqlite.exec = (source: string) => {
      if (source.startsWith('BEGIN')) begins.push(source);
      return exec(source);
    };
    const reads = await Promise.all(Array.from({ length: 10 }, () => db.selectFrom('items').select('name').execute()));
    expect(reads.every((rows) => rows.length === 1)).toBe(true);
    expect(begins).toEqual(['BEGIN']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sqlite.inTransaction).toBe(false);

    // The next turn reads afresh: what another connection wrote in between is seen.
    const writer = new SQLite(join(dir, 'test.sqlite'));
    writer.prepare('insert into items (id, name) values (2, ?)').run('from elsewhere');
    writer.close();
    expect(await db.selectFrom('items').select('name').orderBy('id').execute()).toEqual([{ name: 'a' }, { name: 'from elsewhere' }]);
  });

  it('ends the read transaction when a write comes in the same turn; later reads see the write', async () => {
    const [before, , after] = await Promise.all([
      db.selectFrom('items').selectAll().execute(),
      insert(1, 'written'),
      db.selectFrom('items').select('name').execute(),
    ]);
    expect(before).toEqual([]);
    expect(after).toEqual([{ name: 'written' }]);
    const reader = otherConnection();
    expect(reader.prepare('select name from items').all()).toEqual([{ name: 'written' }]);
    reader.close();
  });

  it('fails the writes of a group whose commit fails, and answers the reads made during it from disk', async () => {
    await insert(1, 'on disk');
    const failing = new SQLite(join(dir, 'test.sqlite'));
    let refuse = true;
    const failures: unknown[] = [];
    const guarded = new Kysely<TestDb>({
      dialect: new GroupCommitSqliteDialect(failing, {
        beforeCommit: () => {
          if (refuse) throw new Error('the disk is full');
        },
        onFailed: (error) => {
          failures.push(error);
          return new Error(`storage: ${(error as Error).message}`);
        },
      }),
    });
    try {
      const write = guarded.insertInto('items').values({ id: 2, name: 'lost' }).execute();
      const read = guarded.selectFrom('items').select('name').orderBy('id').execute();
      await expect(write).rejects.toThrow('storage: the disk is full');
      // The read ran inside the group and saw "lost"; the group failed, so it was answered again.
      expect(await read).toEqual([{ name: 'on disk' }]);
      expect(failures).toHaveLength(1);

      refuse = false;
      await guarded.insertInto('items').values({ id: 2, name: 'kept' }).execute();
      expect(await db.selectFrom('items').select('name').orderBy('id').execute()).toEqual([{ name: 'on disk' }, { name: 'kept' }]);
    } finally {
      await guarded.destroy();
    }
  });
});
