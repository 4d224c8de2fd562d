import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../src-server/config.ts';
import { buildServer } from '../src-server/http/app.ts';

// The server under test, in its own process so that the load generator does not share its event loop.
const dir = mkdtempSync(join(tmpdir(), 'tapin-bench-'));
const server = await buildServer(
  {
    ...defaultConfig,
    dbPath: join(dir, 'bench.sqlite'),
    port: 0,
    logLevel: 'warn',
    sessionTtlSeconds: 3600,
    // The load comes from one address; the limiter would measure itself, not TapIn.
    rateLimit: { max: 100_000_000, windowMs: 60_000 },
  },
  {
    cleanupSchedule: false,
    extraRoutes: (app) => {
      // The yardstick: a route doing nothing but parse JSON and answer JSON, on the same instance.
      app.post('/bench/bare', async () => ({ ok: true }));
    },
  },
);
const kiosk = await server.services.kiosks.register({ name: 'Bench kiosk' });
// A site's worth of people and badges, so that a lookup that scans a table shows in the figures.
const SITE_BADGES = 2_000;
for (let batch = 0; batch < SITE_BADGES / 100; batch++) {
  await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const n = batch * 100 + i;
      const holder = await server.services.users.add({ name: `Person ${n}` });
      await server.services.badges.enroll({ userId: holder.id, uid: `04${n.toString(16).padStart(12, '0')}` });
    }),
  );
}
const user = await server.services.users.add({ name: 'Bench User' });
const badge = await server.services.badges.enroll({ userId: user.id, uid: '04BE4C0000A1B2' });
const url = await server.listen();

process.send?.({ url, kioskKey: kiosk.key, badgeUid: badge.uid });
process.on('message', (message: { type: string }) => {
  if (message.type === 'memory') process.send?.({ memory: process.memoryUsage() });
  if (message.type === 'stop') void server.close().then(() => process.exit(0));
});
