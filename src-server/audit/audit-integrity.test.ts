import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { runCleanup } from '../maintenance/cleanup.ts';
import { runCli } from '../testing/cli.ts';
import { describeEachDialect } from '../testing/dialects.ts';
import { psql } from '../testing/postgres.ts';
import { signIn, startTestServer, type Seed, type TestServer } from '../testing/test-server.ts';
import { AUDIT_CHECKPOINT_KEY } from './audit-chain.ts';
import { verifyAuditChain } from './audit-integrity.ts';

describeEachDialect('the audit log', (freshDatabase, dialect) => {
  let t: TestServer;
  let seed: Seed;
  const clock = manualClock();
  const DAY = 24 * 3600 * 1000;

  let dir: string;

  beforeEach(async () => {
    clock.set(Date.parse('2026-01-01T08:00:00Z'));
    dir = mkdtempSync(join(tmpdir(), 'tapin-audit-'));
    t = await startTestServer({ ...(await freshDatabase()), auditRetentionDays: 30 }, { clock, dir });
    seed = await t.seed();
    for (let i = 0; i < 3; i += 1) await signIn(t, seed.kioskKey, { uid: seed.user.uid });
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * What someone with the database and its own shell could do (no TapIn code involved: sqlite3, psql), in
   * a turn of its own: the server's reads of one turn share a snapshot (group-commit.ts).
   */
  async function tamper(sql: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (dialect === 'postgres') {
      await psql(t.dbPath, sql);
      return;
    }
    const raw = new SQLite(t.dbPath);
    try {
      raw.exec(sql);
    } finally {
      raw.close();
    }
  }

  const ids = async () => (await t.server.deps.db.selectFrom('audit_log').select('id').orderBy('id').execute()).map((r) => r.id);

  describe('the audit hash chain', () => {
    it('holds for a log written by every kind of event, and names its head', async () => {
      const result = await verifyAuditChain(t.server.deps.db);
      const all = await ids();
      expect(result).toMatchObject({ ok: true, rows: all.length, checkpoint: null, head: { id: all.at(-1) } });
      expect(result.head?.hash).toMatch(/^[\w-]{43}$/);
    });

    it('detects an edited row', async () => {
      const [, second] = await ids();
      await tamper(`update audit_log set outcome = 'failure' where id = ${second}`);
      const result = await verifyAuditChain(t.server.deps.db);
      expect(result).toMatchObject({ ok: false, broken: { id: second } });
    });

    it('detects a deleted row at the row after it, and a row inserted by hand', async () => {
      const all = await ids();
      await tamper(`delete from audit_log where id = ${all[3]}`);
      expect((await verifyAuditChain(t.server.deps.db)).broken?.id).toBe(all[4]);
      await tamper(`insert into audit_log (id, at, event, outcome, hash) values (${all[3]}, 0, 'logout', 'success', 'forged')`);
      expect((await verifyAuditChain(t.server.deps.db)).broken?.id).toBe(all[3]);
    });

    it('survives pruning: old rows go from the start, behind a checkpoint the log itself records', async () => {
      const before = await ids();
      clock.advance(31 * DAY);
      await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      const report = await runCleanup(t.server.deps);
      expect(report.prunedAuditRows).toBe(before.length);
      const after = await verifyAuditChain(t.server.deps.db);
      expect(after).toMatchObject({ ok: true, checkpoint: { throughId: before.at(-1) } });
      const pruned = await t.server.deps.db.selectFrom('audit_log').selectAll().where('event', '=', 'audit.pruned').executeTakeFirstOrThrow();
      expect(JSON.parse(pruned.details ?? '{}')).toMatchObject({ throughId: before.at(-1), rows: before.length });

      // A second pruning, of everything including the first record, still verifies.
      clock.advance(31 * DAY);
      await runCleanup(t.server.deps);
      expect(await verifyAuditChain(t.server.deps.db)).toMatchObject({ ok: true });
      await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      expect(await verifyAuditChain(t.server.deps.db)).toMatchObject({ ok: true });
    });

    it('detects a checkpoint moved to hide deleted rows', async () => {
      clock.advance(31 * DAY);
      await signIn(t, seed.kioskKey, { uid: seed.user.uid });
      await runCleanup(t.server.deps);
      const [first, second] = await ids();
      const hash = (await t.server.deps.db.selectFrom('audit_log').select('hash').where('id', '=', first ?? 0).executeTakeFirstOrThrow()).hash;
      await tamper(`delete from audit_log where id = ${first}; update settings set value = '${JSON.stringify({ throughId: first, hash, at: 0 })}' where key = '${AUDIT_CHECKPOINT_KEY}'`);
      const result = await verifyAuditChain(t.server.deps.db);
      expect(result.ok).toBe(false);
      expect(second).toBeDefined();
      expect(result.broken?.message).toMatch(/checkpoint/);
    });
  });

  describe('tapin audit verify', () => {
    it('exits 0 on an intact log and 1 with the broken row on a tampered one', async () => {
      // Ids need not run 1, 2, 3 (PostgreSQL's identity skips what a rolled-back insert took).
      const [, , third] = await ids();
      await t.close();
      const intact = await runCli(['audit', 'verify', '--db', t.dbPath]);
      expect(intact.code).toBe(0);
      expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true });
      await tamper(`update audit_log set user_id = 999 where id = ${third}`);
      const broken = await runCli(['audit', 'verify', '--db', t.dbPath]);
      expect(broken.code).toBe(1);
      expect(broken.stderr.trim()).toBe(
        `tapin: the audit log's chain is broken at row ${third}: row ${third} does not follow the chain: it was edited, or rows just before it were deleted or inserted`,
      );
      t = await startTestServer({ dbPath: t.dbPath }, { dir });
    });
  });
});
