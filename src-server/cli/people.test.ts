import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.ts';

let dir: string;
let db: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tapin-people-cli-'));
  db = join(dir, 'tapin.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function rows(sql: string): unknown[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare(sql).raw().all();
  } finally {
    sqlite.close();
  }
}

const GOOD = '\uFEFFexternal_id,name,role,badge_uid,badge_label\r\n1001,"Hopper, Grace",admin,04:a1:b2:c3:d4:e5:f6,blue card\r\n1002,Alan Turing,,,\r\n';

describe('tapin import', () => {
  it('imports a file, prints the report and exits 0; the same file again changes nothing', async () => {
    const path = file('people.csv', GOOD);
    const first = await runCli(['import', path, '--db', db]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(first.stdout)).toMatchObject({ mode: 'apply', created: 2, updated: 0, unchanged: 0, badgesEnrolled: 1, refused: [], notInFile: 0 });
    expect(rows('select external_id, display_name, role from users order by id')).toEqual([
      ['1001', 'Hopper, Grace', 'admin'],
      ['1002', 'Alan Turing', 'user'],
    ]);
    expect(rows('select user_id, uid, label from badges')).toEqual([[1, '04A1B2C3D4E5F6', 'blue card']]);

    const again = await runCli(['import', path, '--db', db]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: 2, badgesEnrolled: 0 });
    expect(rows('select event, source from audit_log order by id')).toEqual([
      ['user.create', 'cli'],
      ['badge.enroll', 'cli'],
      ['user.create', 'cli'],
      ['people.import', 'cli'],
      ['people.import', 'cli'],
    ]);
  });

  it('applies the good rows and exits 1 when some are refused, one stderr line each', async () => {
    await runCli(['user', 'add', '--name', 'Katherine Johnson', '--db', db]);
    await runCli(['badge', 'add', '--user', '1', '--uid', '04112233445566', '--db', db]);
    const path = file('mixed.csv', 'external_id,name,badge_uid\n1001,Grace Hopper,\n1002,,\n1003,Alan Turing,04112233445566\n');
    const result = await runCli(['import', path, '--db', db]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      created: 1,
      notInFile: 1,
      refused: [
        { line: 3, externalId: '1002', reason: 'name is empty (a new person needs one)' },
        { line: 4, externalId: '1003', reason: 'badge_uid 04112233445566 is already enrolled for Katherine Johnson (user id 1)' },
      ],
    });
    expect(result.stderr).toBe('tapin: line 3: name is empty (a new person needs one)\ntapin: line 4: badge_uid 04112233445566 is already enrolled for Katherine Johnson (user id 1)\n');
    expect(rows('select display_name from users order by id')).toEqual([['Katherine Johnson'], ['Grace Hopper']]);
  });

  it('writes nothing with --dry-run', async () => {
    const result = await runCli(['import', file('people.csv', GOOD), '--dry-run', '--db', db]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ mode: 'preview', created: 2, badgesEnrolled: 1 });
    expect(rows('select count(*) from users')).toEqual([[0]]);
    expect(rows('select count(*) from audit_log')).toEqual([[0]]);
  });

  it('exits 2 with one line for a missing file, a bad header or a broken CSV', async () => {
    const missing = await runCli(['import', join(dir, 'nope.csv'), '--db', db]);
    expect(missing).toMatchObject({ code: 2, stdout: '', stderr: `tapin: cannot read ${join(dir, 'nope.csv')}: ENOENT\n` });
    const header = await runCli(['import', file('bad.csv', 'name,uid\nGrace,04A1B2C3\n'), '--db', db]);
    expect(header.code).toBe(2);
    expect(header.stderr).toMatch(/^tapin: unknown column "uid" in the header; [^\n]*\n$/);
    const broken = await runCli(['import', file('broken.csv', 'external_id,name\n1,"Grace\n'), '--db', db]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^tapin: not a readable CSV file: Quote Not Closed[^\n]*\n$/);
    expect((await runCli(['import', '--db', db])).code).toBe(2);
    expect(rows('select count(*) from users')).toEqual([[0]]);
  });
});

describe('tapin export', () => {
  it('writes every person and active badge, formulas escaped, and imports back unchanged', async () => {
    await runCli(['import', file('people.csv', GOOD), '--db', db]);
    await runCli(['user', 'add', '--name', '@SUM(1+1)*cmd', '--db', db]);
    const printed = await runCli(['export', '--db', db]);
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    expect(printed.stdout).toBe(
      [
        'external_id,name,role,badge_uid,badge_label,disabled,id',
        '1001,"Hopper, Grace",admin,04A1B2C3D4E5F6,blue card,false,1',
        '1002,Alan Turing,user,,,false,2',
        ",'@SUM(1+1)*cmd,user,,,false,3",
        '',
      ].join('\n'),
    );

    const path = join(dir, 'export.csv');
    const written = await runCli(['export', path, '--db', db]);
    expect(JSON.parse(written.stdout)).toEqual({ file: path, rows: 3 });
    expect(readFileSync(path, 'utf8')).toBe(printed.stdout);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const back = await runCli(['import', path, '--db', db]);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: 3, refused: [] });
    expect(rows("select display_name from users where id = 3")).toEqual([['@SUM(1+1)*cmd']]);
  });
});
