import { describe, expect, it, onTestFinished } from 'vitest';
import { verifyAuditChain } from '../audit/audit-integrity.ts';
import { runCli } from '../testing/cli.ts';
import { postgresMissing, usePostgres } from '../testing/postgres.ts';
import { createLoginSession, signIn, startTestServer } from '../testing/test-server.ts';

// `tapin db copy`, as an administrator moving a site runs it: a real SQLite site, a real PostgreSQL.
if (postgresMissing) console.error('tapin db copy: skipped, PostgreSQL is not installed (apt-get install postgresql)');

describe.skipIf(postgresMissing)('tapin db copy', () => {
  const cluster = usePostgres();

  it('moves a whole site into an empty PostgreSQL database, audit chain and all, and the site carries on there', async () => {
    // A site on SQLite with some history: people, badges, a kiosk, logins, an administrator's changes.
    const site = await startTestServer();
    const seed = await site.seed();
    await site.server.services.users.setPin(seed.secretUser.id, '4826', { userId: null, source: 'cli' });
    await signIn(site, seed.kioskKey, { uid: seed.user.uid });
    const admin = await signIn(site, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, '4826');
    await site.api('/api/v1/admin/users', { token: admin, body: { displayName: 'Mary Jackson' } });
    const before = await verifyAuditChain(site.server.deps.db);
    const { dbPath, dir } = site;
    await site.server.close();
    onTestFinished(() => site.close());

    const url = (await cluster().freshDatabase()).replace('tapin@', 'tapin:s3cret@');
    const copied = await runCli(['db', 'copy', '--from', dbPath, '--to', url]);
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    expect(JSON.parse(copied.stdout)).toEqual({ users: 3, badges: 2, kiosks: 1, auditEvents: before.rows });
    const verified = await runCli(['audit', 'verify', '--db', url]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, rows: before.rows, head: before.head });

    // The site runs on PostgreSQL now: the same kiosk key, badges and secrets; new ids after the old ones.
    const moved = await startTestServer({ dbPath: url }, { dir });
    onTestFinished(() => moved.close());
    const session = await createLoginSession(moved, seed.kioskKey);
    const validated = await moved.api('/api/v1/login-sessions/validate', { body: { token: session.token, badge: { uid: seed.secretUser.uid, secret: seed.secretUser.secret } } });
    expect(validated.status).toBe(200);
    const added = await moved.server.services.users.add({ name: 'Dorothy Vaughan' });
    expect(added.id).toBe(4);
    expect(await verifyAuditChain(moved.server.deps.db)).toMatchObject({ ok: true });

    // Never into a database that has a site already, and never with the password on screen.
    const again = await runCli(['db', 'copy', '--from', dbPath, '--to', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^tapin: postgres:\/\/tapin:\*\*\*@127\.0\.0\.1:\d+\/\w+ is not empty \(its users has rows\): a copy goes into an empty database only\n$/);
    const wrongWay = await runCli(['db', 'copy', '--from', url, '--to', dbPath]);
    expect(wrongWay.code).toBe(2);
    expect(wrongWay.stderr).not.toContain('s3cret');
    const missing = await runCli(['db', 'copy', '--from', `${dir}/nothing.sqlite`, '--to', url]);
    expect(missing.stderr).toBe(`tapin: there is no SQLite database at ${dir}/nothing.sqlite\n`);
  });
});
