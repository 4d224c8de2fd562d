import type { TapinDb } from '../db/open.ts';
import type { KioskPairingRow } from '../db/schema.ts';

export async function insertPairing(
  db: TapinDb,
  pairing: { id: string; codeHash: string; pollSecretHash: string; name: string | null; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('kiosk_pairings')
    .values({
      id: pairing.id,
      code_hash: pairing.codeHash,
      poll_secret_hash: pairing.pollSecretHash,
      name: pairing.name,
      created_at: pairing.now,
      expires_at: pairing.expiresAt,
      approved_at: null,
      kiosk_id: null,
      delivered_at: null,
    })
    .execute();
}

export async function findPairing(db: TapinDb, id: string): Promise<KioskPairingRow | undefined> {
  return db.selectFrom('kiosk_pairings').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether a code is already shown by a kiosk that is still waiting (a new code must not collide with it). */
export async function codeInUse(db: TapinDb, codeHash: string, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('kiosk_pairings')
    .select('id')
    .where('code_hash', '=', codeHash)
    .where('approved_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** The newest pairing with this code, whatever its state: to tell an administrator why it was refused. */
export async function findPairingByCode(db: TapinDb, codeHash: string): Promise<KioskPairingRow | undefined> {
  return db.selectFrom('kiosk_pairings').selectAll().where('code_hash', '=', codeHash).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
}

/**
 * Takes a waiting, unexpired code for an approval in one statement, so that of two administrators
 * approving the same code at once exactly one gets it.
 */
export async function claimPairing(db: TapinDb, codeHash: string, now: number): Promise<KioskPairingRow | undefined> {
  return db
    .updateTable('kiosk_pairings')
    .set({ approved_at: now })
    .where('code_hash', '=', codeHash)
    .where('approved_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

/** Gives a code back when the approval failed before its kiosk was created. */
export async function releasePairing(db: TapinDb, id: string): Promise<void> {
  await db.updateTable('kiosk_pairings').set({ approved_at: null }).where('id', '=', id).where('kiosk_id', 'is', null).execute();
}

export async function attachKiosk(db: TapinDb, id: string, kioskId: number): Promise<void> {
  await db.updateTable('kiosk_pairings').set({ kiosk_id: kioskId }).where('id', '=', id).execute();
}

/** Marks an approved pairing's key delivered, once: of two polls at once exactly one gets true. */
export async function markDelivered(db: TapinDb, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('kiosk_pairings')
    .set({ delivered_at: now })
    .where('id', '=', id)
    .where('kiosk_id', 'is not', null)
    .where('delivered_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Deletes pairings created before `cutoff`; returns how many. */
export async function deletePairingsBefore(db: TapinDb, cutoff: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('kiosk_pairings')
    .where('id', 'in', (eb) => eb.selectFrom('kiosk_pairings').select('id').where('created_at', '<', cutoff).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
