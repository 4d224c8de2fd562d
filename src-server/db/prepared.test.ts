import SQLite from 'better-sqlite3';
import { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommitSqliteDialect } from './group-commit.ts';
import { preparedQuery } from './prepared.ts';

interface TestDb {
  items: { id: number; name: string; size: number };
}

const sqlite = new SQLite(':memory:');
sqlite.exec('create table items (id integer primary key, name text, size integer)');
const db = new Kysely<TestDb>({ dialect: new GroupCommitSqliteDialect(sqlite) });
afterEach(() => db.deleteFrom('items').execute());

const insert = preparedQuery(['id', 'name', 'size'], (k: Kysely<TestDb>, p: { id: number; name: string; size: number }) =>
  k.insertInto('items').values(p).returningAll(),
);
const insertItem = (k: Kysely<TestDb>, id: number, name: string, size: number) => insert(k, { id, name, size });
const between = preparedQuery(['min', 'max'], (k: Kysely<TestDb>, p: { min: number; max: number }) =>
  k.selectFrom('items').select('name').where('size', '>=', p.min).where('size', '<=', p.max).where('name', '!=', 'hidden').orderBy('id'),
);
const findBetween = (k: Kysely<TestDb>, min: number, max: number) => between(k, { min, max });

describe('preparedQuery', () => {
  it('runs each call with its own arguments, constants kept in place', async () => {
    expect(await insertItem(db, 1, 'small', 1)).toEqual([{ id: 1, name: 'small', size: 1 }]);
    await insertItem(db, 2, 'medium', 5);
    await insertItem(db, 3, 'hidden', 5);
    await insertItem(db, 4, 'large', 9);
    expect(await findBetween(db, 0, 5)).toEqual([{ name: 'small' }, { name: 'medium' }]);
    expect(await findBetween(db, 5, 10)).toEqual([{ name: 'medium' }, { name: 'large' }]);
  });

  it('runs inside a transaction it is given', async () => {
    await db.transaction().execute(async (tx) => {
      await insertItem(tx, 7, 'in tx', 3);
    });
    expect(await findBetween(db, 3, 3)).toEqual([{ name: 'in tx' }]);
  });
});
