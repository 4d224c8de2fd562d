import type { TapinDb } from '../db/open.ts';
import { preparedQuery } from '../db/prepared.ts';
import type { KioskRow } from '../db/schema.ts';

export async function insertKiosk(
  db: TapinDb,
  kiosk: { name: string; location: string | null; keyHash: string; now: number },
): Promise<KioskRow> {
  return db
    .insertInto('kiosks')
    .values({ name: kiosk.name, location: kiosk.location, key_hash: kiosk.keyHash, created_at: kiosk.now, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const byKeyHash = preparedQuery(['keyHash'], (db: TapinDb, p: { keyHash: string }) =>
  db.selectFrom('kiosks').selectAll().where('key_hash', '=', p.keyHash).where('revoked_at', 'is', null),
);

export async function findActiveKioskByKeyHash(db: TapinDb, keyHash: string): Promise<KioskRow | undefined> {
  return (await byKeyHash(db, { keyHash }))[0];
}

export async function setKioskKeyHash(db: TapinDb, id: number, keyHash: string): Promise<void> {
  await db.updateTable('kiosks').set({ key_hash: keyHash }).where('id', '=', id).execute();
}
