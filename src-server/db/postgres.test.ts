import { describe, expect, it, onTestFinished } from 'vitest';
import { verifyAuditChain, pruneAuditLog } from '../audit/audit-integrity.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { postgresMissing, usePostgres } from '../testing/postgres.ts';
import { transact } from './dialect.ts';
import { databaseLabel, openDatabase, openServerDatabase, type TapinDb } from './open.ts';
import { postgresMigrations } from './postgres.ts';

// TapIn's storage on a real PostgreSQL (a cluster of the test's own: testing/postgres.ts).
if (postgresMissing) console.error('PostgreSQL tests: skipped, PostgreSQL is not installed (apt-get install postgresql)');

describe.skipIf(postgresMissing)('the database on PostgreSQL', () => {
  const cluster = usePostgres();

  async function open(url: string): Promise<TapinDb> {
    const db = await openDatabase(url, { poolSize: 4 });
    onTestFinished(() => db.destroy());
    return db;
  }

  it('migrates a new database once, even when several instances open it at the same moment', async () => {
    const url = await cluster().freshDatabase();
    const instances = await Promise.all([open(url), open(url), open(url)]);
    const applied = await instances[0].selectFrom('kysely_migration' as never).select('name' as never).execute();
    expect(applied).toEqual(Object.keys(postgresMigrations).map((name) => ({ name })));
    // Times are bigint milliseconds, and come back as numbers.
    const at = Date.parse('2026-11-25T10:00:00Z');
    await instances[1].insertInto('users').values({ display_name: 'Ada Lovelace', role: 'admin', created_at: at, disabled_at: null, pin_hash: null }).execute();
    const user = await instances[2].selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(user).toMatchObject({ id: 1, display_name: 'Ada Lovelace', created_at: at, pin_failures: 0, external_id: null });
  });

  it('keeps the audit log one hash chain, the same one Node computes, whatever the text and however many write at once', async () => {
    const url = await cluster().freshDatabase();
    const [a, b] = [await open(url), await open(url)];
    // Text JSON must escape exactly as JSON.stringify does: quotes, backslashes, control characters, non-ASCII.
    await recordAudit(a, 1, { event: 'user.create', outcome: 'success', source: 'cli', details: { name: 'Zoë "Z" \\ O\'Neil\n\t\u0001 ✓ 👍' } });
    await recordAudit(a, Date.now(), { event: 'login.validate', outcome: 'failure', reason: 'unknown_badge', source: 'phone', clientAddress: '::1', kioskId: 3, badgeUid: '04A1B2C3D4E5F6', loginSessionId: 'ls_x' });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        recordAudit(i % 2 ? a : b, Date.now() + i, { event: 'logout', outcome: 'success', userId: i, source: i % 2 ? 'kiosk' : 'admin', actorUserId: i % 3 ? null : 7 }),
      ),
    );
    const verified = await verifyAuditChain(a);
    expect(verified).toMatchObject({ ok: true, rows: 42 });

    // Pruning leaves a checkpoint the next appends chain onto, on this dialect too.
    expect(await pruneAuditLog(b, Date.now() - 1_000_000, Date.now())).toBe(1);
    await recordAudit(a, Date.now(), { event: 'logout', outcome: 'success' });
    expect(await verifyAuditChain(b)).toMatchObject({ ok: true, rows: 43, checkpoint: { throughId: 1 } });

    // An edited row breaks the chain, as on SQLite.
    await a.updateTable('audit_log').set({ reason: 'edited' }).where('id', '=', 5).execute();
    expect(await verifyAuditChain(a)).toMatchObject({ ok: false, broken: { id: 5 } });
  });

  it("does not hold the site's audit appends up for the length of a long transaction", async () => {
    const url = await cluster().freshDatabase();
    const [a, b] = [await open(url), await open(url)];
    let otherAppendTook = Number.NaN;
    await transact(a, async (tx) => {
      await recordAudit(tx, Date.now(), { event: 'people.import', outcome: 'success', source: 'admin' });
      // Meanwhile, on another instance, a login is audited: it does not wait for this transaction.
      const started = performance.now();
      await recordAudit(b, Date.now(), { event: 'login.validate', outcome: 'success', source: 'phone' });
      otherAppendTook = performance.now() - started;
    });
    expect(otherAppendTook).toBeLessThan(1_000);
    const rows = await a.selectFrom('audit_log').select('event').orderBy('id').execute();
    expect(rows.map((row) => row.event)).toEqual(['login.validate', 'people.import']);
    expect(await verifyAuditChain(a)).toMatchObject({ ok: true, rows: 2 });
  });

  it('serves as a server database, and never names the password', async () => {
    const url = (await cluster().freshDatabase()).replace('tapin@', 'tapin:s3cret@');
    expect(databaseLabel(url)).toBe(url.replace('s3cret', '***'));
    const served = await openServerDatabase(url);
    onTestFinished(() => served.db.destroy());
    expect(await served.storage.probe(served.db)).toBeUndefined();
    const stop = served.startUpkeep({ info: () => undefined, error: () => undefined });
    await stop();

    const unreachable = `postgres://tapin:s3cret@127.0.0.1:${cluster().port + 1}/nowhere`;
    const refused = await openServerDatabase(unreachable).catch((error: unknown) => error as Error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/^cannot (open|write to) the database postgres:\/\/tapin:\*\*\*@127\.0\.0\.1:\d+\/nowhere: /);
    expect((refused as Error).message).not.toContain('s3cret');
  });
});
