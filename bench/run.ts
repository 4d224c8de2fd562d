import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import WebSocket from 'ws';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = 32;
const WATCHERS = 1_000;
const TARGETS = { creation: 0.35, validation: 0.25, pushP99Ms: 5 };

interface Ready {
  url: string;
  kioskKey: string;
  badgeUid: string;
}

// BENCH_PROFILE=1 writes a CPU profile of the server to .tmp/profile/ for chrome://inspect or speedscope.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp/profile'] : [];
const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), { execArgv: ['--import', 'tsx', ...profile] });
const ready = await new Promise<Ready>((resolve) => child.once('message', (m) => resolve(m as Ready)));
const { url, kioskKey, badgeUid } = ready;
const json = { 'content-type': 'application/json' };

function cannon(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const rps = (r: Result) => r.requests.total / (r.duration || DURATION_S);
function check(name: string, r: Result) {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
}

console.log(`TapIn benchmark — ${DURATION_S} s per phase, ${CONNECTIONS} connections, server in its own process`);

// Warm up the JIT and the SQLite page cache on every path we measure.
await cannon({ url: `${url}/bench/bare`, method: 'POST', headers: json, body: '{}', duration: 1 });
await cannon({ url: `${url}/api/v1/login-sessions`, method: 'POST', headers: { ...json, authorization: `Bearer ${kioskKey}` }, body: '{}', duration: 1 });

const bare = await cannon({ url: `${url}/bench/bare`, method: 'POST', headers: json, body: '{}', duration: DURATION_S });
check('bare route', bare);

const tokens: string[] = [];
const creation = await cannon({
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
check('session creation', creation);

// Each session can be validated once: the validation phase walks the tokens just created.
let next = 0;
const validation = await cannon({
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
check('validation', validation);

// Push latency: 1,000 kiosks watching, one phone validation at a time, timed until its kiosk hears it.
async function createSession() {
  const response = await fetch(`${url}/api/v1/login-sessions`, { method: 'POST', headers: { ...json, authorization: `Bearer ${kioskKey}` }, body: '{}' });
  return (await response.json()) as { id: string; token: string; kioskSecret: string };
}

const arrivals = new Map<string, (at: number) => void>();
const sockets: WebSocket[] = [];
const sessions: { id: string; token: string }[] = [];
for (let batch = 0; batch < WATCHERS / 100; batch++) {
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      const session = await createSession();
      const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/login-sessions/${session.id}/events`);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', kioskSecret: session.kioskSecret })));
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as { status?: string };
          if (message.status === 'pending') resolve();
          if (message.status === 'authenticated') arrivals.get(session.id)?.(performance.now());
        });
      });
      sockets.push(socket);
      sessions.push(session);
    }),
  );
}

const latencies: number[] = [];
const answered: number[] = [];
for (const session of sessions) {
  const heard = new Promise<number>((resolve) => arrivals.set(session.id, resolve));
  const start = performance.now();
  const response = await fetch(`${url}/api/v1/login-sessions/validate`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ token: session.token, badge: { uid: badgeUid } }),
  });
  if (response.status !== 200) throw new Error(`validation answered ${response.status}`);
  await response.arrayBuffer();
  answered.push(performance.now() - start);
  latencies.push((await heard) - start);
}
latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;

child.send({ type: 'memory' });
const { memory } = await new Promise<{ memory: NodeJS.MemoryUsage }>((resolve) => child.once('message', (m) => resolve(m as { memory: NodeJS.MemoryUsage })));
for (const socket of sockets) socket.close();

const bareRps = rps(bare);
const rows = [
  ['bare Fastify route', bareRps, 1, undefined],
  ['create login session', rps(creation), rps(creation) / bareRps, TARGETS.creation],
  ['validate (phone)', rps(validation), rps(validation) / bareRps, TARGETS.validation],
] as const;
console.log('\nthroughput                 req/s     × bare   target');
for (const [name, value, ratio, target] of rows) {
  const verdict = target === undefined ? '' : `≥ ${target}  ${ratio >= target ? 'ok' : 'MISSED'}`;
  console.log(`${name.padEnd(24)} ${value.toFixed(0).padStart(8)}   ${ratio.toFixed(2).padStart(6)}   ${verdict}`);
}
console.log(`\nvalidate → WebSocket push, ${WATCHERS} kiosks connected and waiting (${latencies.length} validations, one at a time):`);
console.log(`  p50 ${percentile(50).toFixed(2)} ms   p99 ${percentile(99).toFixed(2)} ms   max ${latencies.at(-1)?.toFixed(2)} ms   target p99 ≤ ${TARGETS.pushP99Ms} ms  ${percentile(99) <= TARGETS.pushP99Ms ? 'ok' : 'MISSED'}`);
answered.sort((a, b) => a - b);
console.log(`  (the phone's own answer: p50 ${answered[500]?.toFixed(2)} ms, p99 ${answered[990]?.toFixed(2)} ms)`);
console.log(`server memory with ${WATCHERS} sockets open: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);

child.send({ type: 'stop' });
await new Promise((resolve) => child.once('exit', resolve));
