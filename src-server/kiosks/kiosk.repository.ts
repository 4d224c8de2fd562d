import type { TapinDb } from '../db/open.ts';
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

export async function findActiveKioskByKeyHash(db: TapinDb, keyHash: string): Promise<KioskRow | undefined> {
  return db.selectFrom('kiosks').selectAll().where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function findKiosk(db: TapinDb, id: number): Promise<KioskRow | undefined> {
  return db.selectFrom('kiosks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setKioskKeyHash(db: TapinDb, id: number, keyHash: string): Promise<void> {
  await db.updateTable('kiosks').set({ key_hash: keyHash }).where('id', '=', id).execute();
}
