import { describe, expect, it, onTestFinished } from 'vitest';
import { postgresMissing, psql, usePostgres } from '../testing/postgres.ts';
import { createLoginSession, startTestServer, type TestServer } from '../testing/test-server.ts';
import { watch, watchKiosk } from '../testing/ws-client.ts';
import { verifyAuditChain } from '../audit/audit-integrity.ts';
import { BUS_APPLICATION_NAME, createPostgresBus } from './postgres-bus.ts';

// Several TapIn instances on one PostgreSQL database, as behind a load balancer: any instance answers
// any request, and a screen watching on one is pushed what happens on another (LISTEN/NOTIFY).
if (postgresMissing) console.error('several instances: skipped, PostgreSQL is not installed (apt-get install postgresql)');

describe.skipIf(postgresMissing)('several instances on one PostgreSQL database', () => {
  const cluster = usePostgres();

  /** Two instances on one new database. */
  async function instances(): Promise<[TestServer, TestServer]> {
    const dbPath = await cluster().freshDatabase();
    const start = async () => {
      const t = await startTestServer({ dbPath });
      onTestFinished(() => t.close());
      return t;
    };
    return [await start(), await start()];
  }

  /** Cuts the event-bus connections (those named `name`, else every one) as a network fault would: how many there were. */
  const cutBuses = async (name?: string) =>
    Number(
      await psql(
        cluster().adminUrl,
        // Materialized first: pg_terminate_backend must only ever see the buses' own backends.
        `with buses as materialized (select pid from pg_stat_activity where ${name ? `application_name = '${name}'` : `application_name like '${BUS_APPLICATION_NAME} %'`}) select count(*) filter (where pg_terminate_backend(pid)) from buses`,
      ),
    );

  const validate = (t: TestServer, token: string, uid: string) => t.api('/api/v1/login-sessions/validate', { body: { token, badge: { uid } } });

  it('pushes to a screen watching on one instance what a phone did on another, within the usual bounds', async () => {
    const [a, b] = await instances();
    const seed = await a.seed();
    const session = await createLoginSession(a, seed.kioskKey);
    const watcher = await watch(a.url, session.id, session.kioskSecret);
    await watcher.next((m) => m.status === 'pending');

    const started = Date.now();
    expect((await validate(b, session.token, seed.user.uid)).status).toBe(200);
    await watcher.next((m) => m.status === 'authenticated', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    const exchanged = await b.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} });
    expect(exchanged.body.user.displayName).toBe('Grace Hopper');
    await watcher.next((m) => m.status === 'consumed', 2_000);
    watcher.socket.close();

    // A sign-out made on B reaches the kiosk's own events socket on A.
    const kiosk = await watchKiosk(a.url, seed.kioskKey);
    await kiosk.next((m) => m.type === 'hello');
    expect((await b.api('/api/v1/logout', { method: 'POST', token: exchanged.body.accessToken })).status).toBe(204);
    await kiosk.next((m) => m.type === 'signedOut' && m.userId === seed.user.id, 2_000);
    kiosk.socket.close();
  });

  it("signs in through the code a screen watches on one instance when the desk reader's tap reaches another", async () => {
    const [a, b] = await instances();
    const seed = await a.seed();
    const shown = await createLoginSession(a, seed.kioskKey);
    const watcher = await watch(a.url, shown.id, shown.kioskSecret);
    await watcher.next((m) => m.status === 'pending');
    // A newer code nobody watches (a page closed without a word): the newest, but not the one on screen.
    await createLoginSession(b, seed.kioskKey);
    const tap = await b.api('/api/v1/kiosk/reader-taps', { token: seed.kioskKey, body: { badge: { uid: seed.user.uid } } });
    expect(tap.status).toBe(200);
    await watcher.next((m) => m.status === 'authenticated', 2_000);
    watcher.socket.close();
  });

  it('lets exactly one of 50 concurrent validations of one token win, spread over two instances', async () => {
    const [a, b] = await instances();
    const seed = await a.seed();
    const session = await createLoginSession(b, seed.kioskKey);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => validate(i % 2 ? a : b, session.token, seed.user.uid)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 409)).toBe(true);
    const exchanges = await Promise.all([a, b, a, b].map((t) => t.api(`/api/v1/login-sessions/${session.id}/exchange`, { token: session.kioskSecret, body: {} })));
    expect(exchanges.filter((answer) => answer.status === 200)).toHaveLength(1);
    // One audit chain, however many instances appended to it at once.
    expect(await verifyAuditChain(b.server.deps.db)).toMatchObject({ ok: true });
    const wins = await a.server.deps.db.selectFrom('audit_log').select('event').where('outcome', '=', 'success').where('event', 'like', 'login.%').execute();
    expect(wins.map((row) => row.event).sort()).toEqual(['login.exchange', 'login.validate']);
  });

  it('reads a watched session afresh after the bus lost its connection, so that news lost in the gap is not', async () => {
    const [a, b] = await instances();
    const seed = await a.seed();
    const session = await createLoginSession(a, seed.kioskKey);
    const watcher = await watch(a.url, session.id, session.kioskSecret);
    await watcher.next((m) => m.status === 'pending');

    // Both buses' connections are cut while B validates: A hears of it only by reading afresh once back.
    expect(await cutBuses()).toBe(2);
    expect((await validate(b, session.token, seed.user.uid)).status).toBe(200);
    await watcher.next((m) => m.status === 'authenticated', 6_000);
    watcher.socket.close();
  });

  it('tells its followers to read afresh once its connection is back', async () => {
    const url = await cluster().freshDatabase();
    const warnings: string[] = [];
    const bus = await createPostgresBus(url, { info: (line) => warnings.push(line), warn: (line) => warnings.push(line) });
    onTestFinished(() => bus.close());
    let resyncs = 0;
    bus.onResync?.(() => (resyncs += 1));
    expect(await cutBuses(bus.connectionName)).toBe(1);
    await expect.poll(() => resyncs, { timeout: 6_000 }).toBe(1);
    expect(warnings).toEqual(['event bus: the PostgreSQL connection was lost; reconnecting', 'event bus: connected to PostgreSQL again']);

    // And it carries events again, both ways.
    const other = await createPostgresBus(url);
    onTestFinished(() => other.close());
    const heard: unknown[] = [];
    other.subscribe({ name: 'test' }, (event) => heard.push(event));
    bus.publish({ name: 'test' }, { n: 1 });
    await expect.poll(() => heard).toEqual([{ n: 1 }]);

    // An event too large for NOTIFY: the others are told to read afresh instead of missing it.
    let otherResyncs = 0;
    other.onResync?.(() => (otherResyncs += 1));
    bus.publish({ name: 'test' }, { big: 'x'.repeat(9_000) });
    await expect.poll(() => otherResyncs).toBe(1);
    expect(heard).toEqual([{ n: 1 }]);
  });

  // Last in this file: it stops the file's PostgreSQL for a while.
  it('goes not ready while PostgreSQL is down, and recovers on its own when it is back', async () => {
    const [a, b] = await instances();
    const seed = await a.seed();
    const session = await createLoginSession(a, seed.kioskKey);
    const watcher = await watch(a.url, session.id, session.kioskSecret);
    await watcher.next((m) => m.status === 'pending');

    await cluster().kill();
    for (const t of [a, b]) {
      await expect.poll(async () => (await t.api('/readyz')).status, { timeout: 5_000 }).toBe(503);
    }
    expect((await validate(b, session.token, seed.user.uid)).status).toBe(503);

    await cluster().start();
    for (const t of [a, b]) {
      await expect.poll(async () => (await t.api('/readyz')).status, { timeout: 10_000 }).toBe(200);
    }
    // Nothing half-applied: the session still waits, and the watcher on A hears B's validation.
    await expect.poll(async () => (await validate(b, session.token, seed.user.uid)).status, { timeout: 10_000 }).toBe(200);
    await watcher.next((m) => m.status === 'authenticated', 6_000);
    watcher.socket.close();
  });
});
