import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannon, check, CONNECTIONS, DURATION_S, rps } from './load.ts';
import { startNginx } from '../src-server/testing/nginx.ts';
import { startPostgres } from '../src-server/testing/postgres-cluster.ts';
import { startTapin, type Serving } from './processes.ts';
import { seedSite } from './seed-site.ts';

// `npm run bench -- --postgres`: TapIn on PostgreSQL, one instance and two behind nginx, against the
// same yardstick as the SQLite run (a bare Fastify app in its own process). PostgreSQL runs with its
// defaults (fsync and synchronous_commit on), from Debian's packages, on this machine's cores too.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1_000);

const dir = mkdtempSync(join(tmpdir(), 'tapin-bench-pg-'));
const json = { 'content-type': 'application/json' };

console.log(`TapIn on PostgreSQL, Node ${process.version}: ${ROUNDS} rounds of ${DURATION_S} s per phase, ${CONNECTIONS} connections`);
console.log('PostgreSQL with its defaults (durable commits); TapIn as `tapin serve --db postgres://…` with its shipped defaults;');
console.log('the yardstick is a bare Fastify app in its own process. Everything shares this machine’s cores.\n');

const cluster = await startPostgres({ durable: true });
const dbUrl = await cluster.freshDatabase();
const site = await seedSite(dbUrl);

const createSession = { method: 'POST' as const, headers: { ...json, authorization: `Bearer ${site.kioskKey}` }, body: '{}' };

const bare = fork(fileURLToPath(new URL('./bare-fastify.ts', import.meta.url)));
const bareUrl = await new Promise<string>((resolve) => bare.once('message', (m) => resolve((m as { url: string }).url)));

/** Creation then validation rounds against `url`, each round's bare-Fastify yardstick measured beside it. */
async function throughput(url: string) {
  await cannon({ url: bareUrl, method: 'POST', headers: json, body: '{}', duration: 1 });
  await cannon({ url: `${url}/api/v1/login-sessions`, ...createSession, duration: 1 });
  const totals = { bare: 0, create: 0, validate: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const bareRound = await cannon({ url: bareUrl, method: 'POST', headers: json, body: '{}', duration: DURATION_S });
    check('bare Fastify', bareRound);
    const tokens: string[] = [];
    const creation = await cannon({
      url: `${url}/api/v1/login-sessions`,
      duration: DURATION_S,
      requests: [{ ...createSession, onResponse: (status, body) => void (status === 201 && tokens.push((JSON.parse(body) as { token: string }).token)) }],
    });
    check('session creation', creation);
    let next = 0;
    const validation = await cannon({
      url: `${url}/api/v1/login-sessions/validate`,
      amount: tokens.length,
      requests: [{ method: 'POST', headers: json, setupRequest: (request) => ({ ...request, body: JSON.stringify({ token: tokens[next++], badge: { uid: site.badgeUid } }) }) }],
    });
    check('validation', validation);
    totals.bare += rps(bareRound) / ROUNDS;
    totals.create += rps(creation) / ROUNDS;
    totals.validate += rps(validation) / ROUNDS;
  }
  return totals;
}

const serve = (name: string, extra: string[] = []): Promise<Serving> => startTapin(['--db', dbUrl, '--rate-limit', '1000000', ...extra], join(dir, `${name}.log`));

const one = await serve('one');
const single = await throughput(one.url);
await one.stop();

const a = await serve('a', ['--trust-proxy', '127.0.0.1']);
const b = await serve('b', ['--trust-proxy', '127.0.0.1']);
const upstreams = [a.url, b.url].map((url) => new URL(url).host);
const nginx = await startNginx(upstreams);
const pair = await throughput(nginx.url);

// Cross-instance push: 1,000 kiosks watching on A, each phone validating on B, one at a time.
const probe = fork(fileURLToPath(new URL('./push-latency.ts', import.meta.url)), [
  JSON.stringify({ url: a.url, validateUrl: b.url, kioskKey: site.kioskKey, badgeUid: site.badgeUid, watchers: WATCHERS }),
]);
const { pushed } = await new Promise<{ pushed: number[] }>((resolve, reject) => {
  probe.on('message', (m: { type?: string; pushed?: number[] }) => m.type === 'done' && resolve({ pushed: m.pushed ?? [] }));
  probe.once('exit', (code) => code !== 0 && reject(new Error(`push-latency probe exited with ${code}`)));
});
const percentile = (values: number[], p: number) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

const row = (name: string, value: number, ceiling: number) => console.log(`${name.padEnd(40)} ${value.toFixed(0).padStart(7)}   ${(value / ceiling).toFixed(2).padStart(6)}`);
console.log('throughput                                 req/s   × ceiling');
row('bare Fastify app (ceiling)', (single.bare + pair.bare) / 2, (single.bare + pair.bare) / 2);
row('one instance: create login session', single.create, single.bare);
row('one instance: validate (phone)', single.validate, single.bare);
row('two instances behind nginx: create', pair.create, pair.bare);
row('two instances behind nginx: validate', pair.validate, pair.bare);
console.log(`\nvalidate on B → WebSocket push on A, ${WATCHERS} kiosks watching on A (${pushed.length} validations, one at a time):`);
console.log(`  p50 ${percentile(pushed, 50).toFixed(2)} ms   p99 ${percentile(pushed, 99).toFixed(2)} ms   max ${Math.max(...pushed).toFixed(2)} ms`);

await nginx.stop();
await a.stop();
await b.stop();
bare.send('stop');
await cluster.destroy();
rmSync(dir, { recursive: true, force: true });
