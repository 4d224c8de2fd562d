import { execFileSync, fork } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from 'autocannon';
import { cannon, check, CONNECTIONS, DURATION_S, rps } from './load.ts';
import { walBytes as walBytesOf } from '../src-server/db/checkpointer.ts';
import { commitCost } from './fsync-cost.ts';
import { median, residentBytes, startTapin, TAPIN_BIN } from './processes.ts';
import { seedSite } from './seed-site.ts';

// `npm run bench -- --postgres`: the same measures on PostgreSQL, one instance and two behind nginx.
if (process.argv.includes('--postgres')) {
  await import('./postgres.ts');
  process.exit(0);
}

// Knobs: BENCH_DURATION (s per phase and round), BENCH_ROUNDS, BENCH_WATCHERS, BENCH_IDLE (s of idle
// before the WAL is measured again), BENCH_PROFILE=1 (server CPU profile in .tmp/profile/).
// The phases alternate over several rounds, so that a noisy neighbour slowing the machine for a few
// seconds weighs on the yardstick and on TapIn alike instead of on one of them.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1_000);
const IDLE_S = Number(process.env.BENCH_IDLE ?? 60);
const TARGETS = { creation: 0.4, validation: 0.3, pushP99Ms: 5, startMs: 500, cliMs: 300, timeToQrMs: 300 };

const dir = mkdtempSync(join(tmpdir(), 'tapin-bench-'));
const dbPath = join(dir, 'site.sqlite');
const json = { 'content-type': 'application/json' };
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
const ms = (value: number) => `${value.toFixed(0)} ms`;

console.log(`TapIn benchmark, Node ${process.version}: ${ROUNDS} rounds of ${DURATION_S} s per phase, ${CONNECTIONS} connections`);
console.log('TapIn runs as `tapin serve` with its shipped defaults (logs at info to a file, durable SQLite),');
console.log('the phone rate limit raised for the one load address; the yardstick is a bare Fastify app in its own process.\n');

const site = await seedSite(dbPath);

// Start-up and CLI, as an operator meets them: the site's database already there, the disk warm.
const startTimes: number[] = [];
for (let i = 0; i < 6; i++) {
  const copy = join(dir, `start-${i}.sqlite`);
  copyFileSync(dbPath, copy);
  const serving = await startTapin(['--db', copy], join(dir, `start-${i}.log`));
  await serving.stop();
  if (i > 0) startTimes.push(serving.startMs);
}
const cliTimes: number[] = [];
for (let i = 0; i < 6; i++) {
  const started = performance.now();
  execFileSync(process.execPath, [TAPIN_BIN, 'user', 'add', '--name', `Operator ${i}`, '--db', join(dir, 'start-0.sqlite')]);
  if (i > 0) cliTimes.push(performance.now() - started);
}

const bare = fork(fileURLToPath(new URL('./bare-fastify.ts', import.meta.url)));
const bareUrl = await new Promise<string>((resolve) => bare.once('message', (m) => resolve((m as { url: string }).url)));
const profile = process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(process.cwd(), '.tmp/profile')}` } : {};
const tapin = await startTapin(['--db', dbPath, '--rate-limit', '1000000'], join(dir, 'tapin.log'), profile);
const { url } = tapin;

// The WAL's size, sampled while the load runs.
let walLargest = 0;
const walBytes = () => walBytesOf(dbPath);
const walSampler = setInterval(() => (walLargest = Math.max(walLargest, walBytes())), 50);

const createSession = { method: 'POST' as const, headers: { ...json, authorization: `Bearer ${site.kioskKey}` }, body: '{}' };

// Warm up the JIT and the SQLite page cache on every path measured.
await cannon({ url: bareUrl, method: 'POST', headers: json, body: '{}', duration: 1 });
await cannon({ url: `${url}/api/v1/login-sessions`, ...createSession, duration: 1 });

interface Phase {
  requests: number;
  seconds: number;
  ratios: number[];
}
const phase = (): Phase => ({ requests: 0, seconds: 0, ratios: [] });
const ceiling = phase();
const creation = phase();
const validation = phase();
const add = (into: Phase, r: Result) => {
  into.requests += r.requests.total;
  into.seconds += r.duration || DURATION_S;
};

for (let round = 0; round < ROUNDS; round++) {
  const bareRound = await cannon({ url: bareUrl, method: 'POST', headers: json, body: '{}', duration: DURATION_S });
  check('bare Fastify', bareRound);
  add(ceiling, bareRound);

  const tokens: string[] = [];
  const creationRound = await cannon({
    url: `${url}/api/v1/login-sessions`,
    duration: DURATION_S,
    requests: [{ ...createSession, onResponse: (status, body) => void (status === 201 && tokens.push((JSON.parse(body) as { token: string }).token)) }],
  });
  check('session creation', creationRound);
  add(creation, creationRound);

  // Each session can be validated once: the validation phase walks the tokens just created.
  let next = 0;
  const validationRound = await cannon({
    url: `${url}/api/v1/login-sessions/validate`,
    amount: tokens.length,
    requests: [{ method: 'POST', headers: json, setupRequest: (request) => ({ ...request, body: JSON.stringify({ token: tokens[next++], badge: { uid: site.badgeUid } }) }) }],
  });
  check('validation', validationRound);
  add(validation, validationRound);
  creation.ratios.push(rps(creationRound) / rps(bareRound));
  validation.ratios.push(rps(validationRound) / rps(bareRound));
}

// Push latency: 1,000 kiosks watching, one phone validation at a time, timed until its kiosk hears it.
const probe = fork(fileURLToPath(new URL('./push-latency.ts', import.meta.url)), [JSON.stringify({ url, kioskKey: site.kioskKey, badgeUid: site.badgeUid, watchers: WATCHERS })]);
let memory = 0;
probe.on('message', (m: { type?: string }) => {
  if (m.type === 'watching') memory = residentBytes(tapin.child.pid);
});
const { pushed, answered } = await new Promise<{ pushed: number[]; answered: number[] }>((resolve, reject) => {
  probe.on('message', (m: { type?: string; pushed?: number[]; answered?: number[] }) => m.type === 'done' && resolve({ pushed: m.pushed ?? [], answered: m.answered ?? [] }));
  probe.once('exit', (code) => code !== 0 && reject(new Error(`push-latency probe exited with ${code}`)));
});
clearInterval(walSampler);
const walAfterLoad = walBytes();
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

const bareRps = ceiling.requests / ceiling.seconds;
const range = (ratios: number[]) => `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
const rows = [
  ['bare Fastify app (ceiling)', bareRps, 1, undefined, ''],
  ['create login session', creation.requests / creation.seconds, creation.requests / creation.seconds / bareRps, TARGETS.creation, range(creation.ratios)],
  ['validate (phone)', validation.requests / validation.seconds, validation.requests / validation.seconds / bareRps, TARGETS.validation, range(validation.ratios)],
] as const;
console.log('throughput                    req/s   × ceiling   target       rounds');
for (const [name, value, ratio, target, rounds] of rows) {
  const against = target === undefined ? '' : `≥ ${target.toFixed(2)}  ${verdict(ratio >= target)}`;
  console.log(`${name.padEnd(27)} ${value.toFixed(0).padStart(7)}   ${ratio.toFixed(2).padStart(6)}      ${against.padEnd(11)}  ${rounds}`);
}
const p99 = percentile(pushed, 99);
console.log(`\nvalidate → WebSocket push, ${WATCHERS} kiosks connected and waiting (${pushed.length} validations, one at a time):`);
console.log(`  p50 ${percentile(pushed, 50).toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   max ${Math.max(...pushed).toFixed(2)} ms   target p99 ≤ ${TARGETS.pushP99Ms} ms  ${verdict(p99 <= TARGETS.pushP99Ms)}`);
console.log(`  (the phone's own answer: p50 ${percentile(answered, 50).toFixed(2)} ms, p99 ${percentile(answered, 99).toFixed(2)} ms)`);
console.log(`  server memory with ${WATCHERS} sockets open: rss ${(memory / 2 ** 20).toFixed(0)} MiB`);

const startMedian = median(startTimes);
const cliMedian = median(cliTimes);
console.log(`\nstart-up, medians of 5 on a warm disk:`);
console.log(`  tapin serve to "listening"  ${ms(startMedian).padStart(7)}   target ≤ ${TARGETS.startMs} ms  ${verdict(startMedian <= TARGETS.startMs)}   (${startTimes.map((t) => t.toFixed(0)).join(' ')})`);
console.log(`  tapin user add              ${ms(cliMedian).padStart(7)}   target ≤ ${TARGETS.cliMs} ms  ${verdict(cliMedian <= TARGETS.cliMs)}   (${cliTimes.map((t) => t.toFixed(0)).join(' ')})`);

if (existsSync('/usr/bin/chromium')) {
  const { measurePhoneReady, measureTimeToQr } = await import('./time-to-qr.ts');
  const qr = await measureTimeToQr();
  console.log(`  kiosk page to its QR code   ${ms(qr.median).padStart(7)}   target ≤ ${TARGETS.timeToQrMs} ms  ${verdict(qr.median <= TARGETS.timeToQrMs)}   (5 cold loads in Chromium: ${qr.values.map((t) => t.toFixed(0)).join(' ')})`);
  const phone = await measurePhoneReady(4);
  console.log(`  phone page to "Unlock …?"   ${ms(phone.median).padStart(7)}   with the CPU 4× slower, as a mid-range phone   (${phone.values.map((t) => t.toFixed(0)).join(' ')})`);
} else {
  console.log('  kiosk page to its QR code   not measured: /usr/bin/chromium is not installed');
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const cost = commitCost(dir);
console.log(`\nthe fsync of each group commit (synchronous=FULL, as shipped), on this disk: ${cost.fullUs.toFixed(0)} µs a commit against ${cost.normalUs.toFixed(0)} µs without it (NORMAL)`);
console.log(`  +${(cost.fullUs - cost.normalUs).toFixed(0)} µs a commit, shared by the requests of its group`);

console.log(`\nSQLite WAL: largest ${mib(walLargest)} under load, ${mib(walAfterLoad)} when the load stopped; idling ${IDLE_S} s…`);
await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
console.log(`  after ${IDLE_S} s of idle: ${mib(walBytes())} (database ${mib(statSync(dbPath).size)})`);

await tapin.stop();
bare.send('stop');
rmSync(dir, { recursive: true, force: true });
