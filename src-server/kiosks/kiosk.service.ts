import { hashSecret, randomToken } from '../crypto.ts';
import type { Deps } from '../deps.ts';
import type { KioskRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { cleanName } from '../users/user.service.ts';
import { findActiveKioskByKeyHash, insertKiosk, setKioskKeyHash } from './kiosk.repository.ts';

// The prefix lets secret scanners and people recognise a leaked kiosk key.
const newKioskKey = (): string => `tk_${randomToken(32)}`;

export function kioskService({ db, clock }: Pick<Deps, 'db' | 'clock'>) {
  return Object.freeze({
    async register(input: { name: string; location?: string }): Promise<{ id: number; key: string }> {
      const key = newKioskKey();
      const row = await insertKiosk(db, {
        name: cleanName(input.name, 'name'),
        location: input.location === undefined ? null : cleanName(input.location, 'location'),
        keyHash: hashSecret(key),
        now: clock.now(),
      });
      return { id: row.id, key };
    },

    /** Issues a new key for a kiosk; the old one stops working at once. */
    async rotateKey(id: number): Promise<string> {
      const key = newKioskKey();
      await setKioskKeyHash(db, id, hashSecret(key));
      return key;
    },

    /** The registered, unrevoked kiosk a key belongs to. Keys are looked up by hash, never compared in clear. */
    async authenticate(key: string | undefined): Promise<KioskRow> {
      const kiosk = key ? await findActiveKioskByKeyHash(db, hashSecret(key)) : undefined;
      if (!kiosk) throw new AppError('KIOSK_UNAUTHORIZED', 'a valid kiosk key is required (Authorization: Bearer <kiosk key>)');
      return kiosk;
    },
  });
}

export type KioskService = ReturnType<typeof kioskService>;
