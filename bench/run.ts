import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';

// Knobs: BENCH_DURATION (s per phase and round), BENCH_ROUNDS, BENCH_WATCHERS, BENCH_PROFILE=1 (server
// CPU profile), BENCH_TRACE_GC=1 (server and probe GC trace), BENCH_NODE_FLAGS (extra node flags for both).
const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);
// The phases alternate over several rounds, so that a noisy neighbour slowing the machine for a few
// seconds weighs on the bare route and on TapIn's routes alike instead of on one of them.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 32;
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1_000);
const TARGETS = { creation: 0.35, validation: 0.25, pushP99Ms: 5 };

interface Ready {
  url: string;
  kioskKey: string;
  badgeUid: string;
}

// BENCH_PROFILE=1 writes a CPU profile of the server to .tmp/profile/ for chrome://inspect or speedscope.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp/profile'] : process.env.BENCH_TRACE_GC ? ['--trace-gc'] : [];
const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), { execArgv: ['--import', 'tsx', ...profile, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)] });
const ready = await new Promise<Ready>((resolve) => child.once('message', (m) => resolve(m as Ready)));
const { url, kioskKey, badgeUid } = ready;
const json = { 'content-type': 'application/json' };

function cannon(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const rps = (r: Result) => r.requests.total / (r.duration || DURATION_S);
const phaseRps = (p: { requests: number; seconds: number }) => p.requests / p.seconds;
function check(name: string, r: Result) {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
}

console.log(`TapIn benchmark — ${ROUNDS} rounds of ${DURATION_S} s per phase, ${CONNECTIONS} connections, server in its own process`);

// Warm up the JIT and the SQLite page cache on every path we measure.
await cannon({ url: `${url}/bench/bare`, method: 'POST', headers: json, body: '{}', duration: 1 });
await cannon({ url: `${url}/api/v1/login-sessions`, method: 'POST', headers: { ...json, authorization: `Bearer ${kioskKey}` }, body: '{}', duration: 1 });

/** Requests and seconds over all rounds of one phase, and each round's ratio to the bare route. */
interface Phase {
  requests: number;
  seconds: number;
  ratios: number[];
}
const phase = (): Phase => ({ requests: 0, seconds: 0, ratios: [] });
const bare = phase();
const creation = phase();
const validation = phase();
const add = (into: Phase, r: Result) => {
  into.requests += r.requests.total;
  into.seconds += r.duration || DURATION_S;
};

for (let round = 0; round < ROUNDS; round++) {
  const bareRound = await cannon({ url: `${url}/bench/bare`, method: 'POST', headers: json, body: '{}', duration: DURATION_S });
  check('bare route', bareRound);
  add(bare, bareRound);

  const tokens: string[] = [];
  const creationRound = await cannon({
    url: `${url}/api/v1/login-sessions`,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${kioskKey}` },
        body: '{}',
        onResponse: (status, body) => {
          if (status === 201) tokens.push((JSON.parse(body) as { token: string }).token);
        },
      },
    ],
  });
  check('session creation', creationRound);
  add(creation, creationRound);

  // Each session can be validated once: the validation phase walks the tokens just created.
  let next = 0;
  const validationRound = await cannon({
    url: `${url}/api/v1/login-sessions/validate`,
    amount: tokens.length,
    requests: [
      {
        method: 'POST',
        headers: json,
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ token: tokens[next++], badge: { uid: badgeUid } }) }),
      },
    ],
  });
  check('validation', validationRound);
  add(validation, validationRound);
  creation.ratios.push(rps(creationRound) / rps(bareRound));
  validation.ratios.push(rps(validationRound) / rps(bareRound));
}

// Push latency: 1,000 kiosks watching, one phone validation at a time, timed until its kiosk hears it.
const probe = fork(fileURLToPath(new URL('./push-latency.ts', import.meta.url)), [JSON.stringify({ url, kioskKey, badgeUid, watchers: WATCHERS })], {
  execArgv: ['--import', 'tsx', ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : []), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)],
});
const { pushed, answered } = await new Promise<{ pushed: number[]; answered: number[] }>((resolve, reject) => {
  probe.once('message', (m) => resolve(m as { pushed: number[]; answered: number[] }));
  probe.once('exit', (code) => reject(new Error(`push-latency probe exited with ${code}`)));
});
const latencies = pushed.sort((a, b) => a - b);
answered.sort((a, b) => a - b);
const percentile = (values: number[], p: number) => values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

child.send({ type: 'memory' });
const { memory } = await new Promise<{ memory: NodeJS.MemoryUsage }>((resolve) => child.once('message', (m) => resolve(m as { memory: NodeJS.MemoryUsage })));

const bareRps = phaseRps(bare);
const range = (ratios: number[]) => `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
const rows = [
  ['bare Fastify route', bareRps, 1, undefined, ''],
  ['create login session', phaseRps(creation), phaseRps(creation) / bareRps, TARGETS.creation, range(creation.ratios)],
  ['validate (phone)', phaseRps(validation), phaseRps(validation) / bareRps, TARGETS.validation, range(validation.ratios)],
] as const;
console.log('\nthroughput                 req/s     × bare   target        rounds');
for (const [name, value, ratio, target, rounds] of rows) {
  const verdict = target === undefined ? '' : `≥ ${target}  ${ratio >= target ? 'ok    ' : 'MISSED'}`;
  console.log(`${name.padEnd(24)} ${value.toFixed(0).padStart(8)}   ${ratio.toFixed(2).padStart(6)}   ${verdict.padEnd(12)}  ${rounds}`);
}
console.log(`\nvalidate → WebSocket push, ${WATCHERS} kiosks connected and waiting (${latencies.length} validations, one at a time):`);
const p99 = percentile(latencies, 99);
console.log(`  p50 ${percentile(latencies, 50).toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   max ${latencies.at(-1)?.toFixed(2)} ms   target p99 ≤ ${TARGETS.pushP99Ms} ms  ${p99 <= TARGETS.pushP99Ms ? 'ok' : 'MISSED'}`);
console.log(`  (the phone's own answer: p50 ${percentile(answered, 50).toFixed(2)} ms, p99 ${percentile(answered, 99).toFixed(2)} ms)`);
console.log(`server memory with ${WATCHERS} sockets open: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);

child.send({ type: 'stop' });
await new Promise((resolve) => child.once('exit', resolve));
