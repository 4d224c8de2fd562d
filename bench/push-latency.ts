import { Agent, request } from 'node:http';
import WebSocket from 'ws';

// Runs in a fresh process of its own: a load generator's garbage from the throughput phases would
// otherwise show up in the tail of these latencies as its own GC pauses.
const { url, kioskKey, badgeUid, watchers, validateUrl = url } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  kioskKey: string;
  badgeUid: string;
  watchers: number;
  /** Where the phones validate (another instance of the site, to time a push across instances). */
  validateUrl?: string;
};
const json = { 'content-type': 'application/json' };

async function createSession() {
  const response = await fetch(`${url}/api/v1/login-sessions`, { method: 'POST', headers: { ...json, authorization: `Bearer ${kioskKey}` }, body: '{}' });
  return (await response.json()) as { id: string; token: string; kioskSecret: string };
}

const arrivals = new Map<string, (at: number) => void>();
const sockets: WebSocket[] = [];
const sessions: { id: string; token: string }[] = [];
for (let batch = 0; batch < watchers / 100; batch++) {
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

// node:http with keep-alive rather than fetch: fetch allocates enough per call that the probe's own
// garbage collections would dominate the tail being measured.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function post(path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${validateUrl}${path}`, { method: 'POST', agent, headers: { ...json, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

process.send?.({ type: 'watching' });

// One phone at a time: each validation is timed from the request leaving to its kiosk hearing of it.
const pushed: number[] = [];
const answered: number[] = [];
for (const session of sessions) {
  const heard = new Promise<number>((resolve) => arrivals.set(session.id, resolve));
  const start = performance.now();
  const status = await post('/api/v1/login-sessions/validate', JSON.stringify({ token: session.token, badge: { uid: badgeUid } }));
  if (status !== 200) throw new Error(`validation answered ${status}`);
  answered.push(performance.now() - start);
  pushed.push((await heard) - start);
}
for (const socket of sockets) socket.close();
agent.destroy();
process.send?.({ type: 'done', pushed, answered });
