import type { TapinDb } from './db/open.ts';
import type { Services } from './services.ts';

const DEMO_KIOSK_SETTING = 'demo.kioskId';

export interface DemoSeed {
  kioskId: number;
  kioskName: string;
  kioskKey: string;
  /** False when the demo data was already there and only the kiosk key was renewed. */
  seeded: boolean;
  badges: { displayName: string; role: string; uid: string }[];
}

const DEMO_USERS = [
  { name: 'Ada Lovelace', role: 'admin', uid: '04A1B2C3D4E5F6' },
  { name: 'Alan Turing', role: 'user', uid: '04B2C3D4E5F607' },
] as const;

/**
 * Fills an empty database with a demo kiosk, two users and their badges. On a database it seeded
 * before, it issues the demo kiosk a fresh key (keys are stored hashed, so the old one cannot be
 * shown again). Any other database is left alone: undefined.
 */
export async function seedDemo(db: TapinDb, services: Services): Promise<DemoSeed | undefined> {
  const marker = await db.selectFrom('settings').select('value').where('key', '=', DEMO_KIOSK_SETTING).executeTakeFirst();
  if (marker) {
    const kiosk = await db.selectFrom('kiosks').select(['id', 'name']).where('id', '=', Number(marker.value)).executeTakeFirst();
    if (kiosk) {
      const kioskKey = await services.kiosks.rotateKey(kiosk.id);
      const badges = await db
        .selectFrom('badges')
        .innerJoin('users', 'users.id', 'badges.user_id')
        .select(['users.display_name', 'users.role', 'badges.uid'])
        .where('badges.revoked_at', 'is', null)
        .orderBy('badges.id')
        .execute();
      return {
        kioskId: kiosk.id,
        kioskName: kiosk.name,
        kioskKey,
        seeded: false,
        badges: badges.map((b) => ({ displayName: b.display_name, role: b.role, uid: b.uid })),
      };
    }
  }
  const existing = await db
    .selectFrom('users')
    .select('id')
    .union(db.selectFrom('kiosks').select('id'))
    .limit(1)
    .executeTakeFirst();
  if (existing) return undefined;

  const kiosk = await services.kiosks.register({ name: 'Demo kiosk', location: 'Front desk' });
  const badges: DemoSeed['badges'] = [];
  for (const person of DEMO_USERS) {
    const user = await services.users.add({ name: person.name, role: person.role });
    const badge = await services.badges.enroll({ userId: user.id, uid: person.uid, label: 'demo badge' });
    badges.push({ displayName: user.displayName, role: user.role, uid: badge.uid });
  }
  await db.insertInto('settings').values({ key: DEMO_KIOSK_SETTING, value: String(kiosk.id) }).execute();
  return { kioskId: kiosk.id, kioskName: 'Demo kiosk', kioskKey: kiosk.key, seeded: true, badges };
}
