import { systemClock } from '../src-server/clock.ts';
import { defaultConfig } from '../src-server/config.ts';
import { openDatabase } from '../src-server/db/open.ts';
import { createMemoryBus } from '../src-server/realtime/event-bus.ts';
import { createServices } from '../src-server/services.ts';

export interface Site {
  kioskKey: string;
  badgeUid: string;
}

/**
 * A site's worth of people and badges (so that a lookup that scans a table shows in the figures), one
 * kiosk and the badge the load uses, written into the SQLite file `tapin serve` will then open.
 */
export async function seedSite(dbPath: string, badges = 2_000): Promise<Site> {
  const db = await openDatabase(dbPath);
  const config = { ...defaultConfig, dbPath };
  const services = createServices({ db, clock: systemClock, bus: createMemoryBus(), config, publicUrl: () => '' });
  try {
    const kiosk = await services.kiosks.register({ name: 'Bench kiosk' });
    for (let batch = 0; batch < badges / 100; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const n = batch * 100 + i;
          const holder = await services.users.add({ name: `Person ${n}` });
          await services.badges.enroll({ userId: holder.id, uid: `04${n.toString(16).padStart(12, '0')}` });
        }),
      );
    }
    const user = await services.users.add({ name: 'Bench User' });
    const badge = await services.badges.enroll({ userId: user.id, uid: '04BE4C0000A1B2' });
    return { kioskKey: kiosk.key, badgeUid: badge.uid };
  } finally {
    services.loginSessions.stop();
    await db.destroy();
  }
}
