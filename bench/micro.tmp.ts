import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '/work/main/src-server/config.ts';
import { buildServer } from '/work/main/src-server/http/app.ts';
const dir = mkdtempSync(join(tmpdir(), 'm-'));
const s = await buildServer({ ...defaultConfig, dbPath: join(dir, 'b.sqlite'), port: 0, logLevel: 'silent', sessionTtlSeconds: 3600 }, { cleanupSchedule: false });
const k = await s.services.kiosks.register({ name: 'k' });
const u = await s.services.users.add({ name: 'u' });
await s.services.badges.enroll({ userId: u.id, uid: '04BE4C0000A1B2' });
const N = 4000;
for (let round = 0; round < 2; round++) {
let t = performance.now();
const toks: string[] = [];
for (let i = 0; i < N; i++) toks.push((await s.services.loginSessions.create(k.key)).token);
console.log('create µs', ((performance.now() - t) * 1000 / N).toFixed(0));
t = performance.now();
for (const token of toks) await s.services.loginSessions.validate({ token, badge: { uid: '04BE4C0000A1B2' }, source: 'phone' });
console.log('validate µs', ((performance.now() - t) * 1000 / N).toFixed(0));
t = performance.now();
for (let i = 0; i < N; i++) await s.services.kiosks.authenticate(k.key);
console.log('kiosk auth µs', ((performance.now() - t) * 1000 / N).toFixed(0));
}
await s.close();
