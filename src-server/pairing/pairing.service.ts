import { randomUUID } from 'node:crypto';
import { transact } from '../db/dialect.ts';
import { CLI_ACTOR, recordChange, type Actor } from '../audit/audit.repository.ts';
import { hashSecret, randomToken, secretMatches } from '../crypto.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { setKioskKeyHash } from '../kiosks/kiosk.repository.ts';
import { newKioskKey, type KioskService } from '../kiosks/kiosk.service.ts';
import { isoTime } from '../sessions/login-session.view.ts';
import { cleanName } from '../users/user.service.ts';
import { hashPairingCode, newPairingCode, normalisePairingCode } from './pairing-code.ts';
import {
  attachKiosk,
  claimPairing,
  codeInUse,
  findPairing,
  findPairingByCode,
  insertPairing,
  releasePairing,
  markDelivered,
} from './pairing.repository.ts';

/** How long a kiosk's code can be approved. */
export const PAIRING_TTL_MS = 10 * 60 * 1000;
/** How long after the approval the kiosk may still collect its key (an approval in the code's last second must not be lost). */
export const KEY_DELIVERY_WINDOW_MS = 10 * 60 * 1000;
/** The cleanup job deletes pairings this long after their creation, well past both windows above. */
export const PAIRING_RETENTION_MS = 60 * 60 * 1000;

export interface CreatedPairing {
  id: string;
  code: string;
  pollSecret: string;
  expiresAt: string;
}

export type PairingStatus =
  | { status: 'pending' }
  | { status: 'approved'; kiosk: { id: number; name: string }; kioskKey?: string };

export interface ApprovedPairing {
  id: number;
  name: string;
  location: string | null;
  pairingId: string;
}

const notFound = () => new AppError('PAIRING_NOT_FOUND', 'no such kiosk pairing');
const expired = () => new AppError('PAIRING_EXPIRED', 'this pairing code has expired: start the pairing again for a new code');

interface PairingServiceParts {
  kiosks: KioskService;
}

/**
 * Pairing a kiosk (RFC 8628 in shape): the kiosk asks for a code and polls with its poll secret; an
 * administrator approves the code, which creates the kiosk; the first poll after that carries the new
 * kiosk's key, and no answer ever carries it again.
 */
export function pairingService({ db, clock }: Pick<Deps, 'db' | 'clock'>, { kiosks }: PairingServiceParts) {
  async function freshCode(now: number): Promise<{ code: string; codeHash: string }> {
    // A collision with a code still on a screen is about one in 10¹¹ per live code; draw again if so.
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = newPairingCode();
      const codeHash = hashPairingCode(normalisePairingCode(code) ?? code);
      if (!(await codeInUse(db, codeHash, now))) return { code, codeHash };
    }
    throw new Error('could not draw an unused pairing code');
  }

  /** Why an approval found no waiting code: unknown, used, or expired. */
  async function refusal(codeHash: string): Promise<AppError> {
    const row = await findPairingByCode(db, codeHash);
    if (!row) return new AppError('PAIRING_NOT_FOUND', 'no kiosk is waiting with this code: check the code on its screen');
    if (row.approved_at !== null) return new AppError('PAIRING_ALREADY_APPROVED', 'this code was already used to pair a kiosk');
    return new AppError('PAIRING_EXPIRED', 'this code has expired: let the kiosk show a new one');
  }

  return Object.freeze({
    async create(input: { name?: string | null } = {}): Promise<CreatedPairing> {
      const name = input.name === undefined || input.name === null || input.name.trim() === '' ? null : cleanName(input.name, 'name');
      const now = clock.now();
      const { code, codeHash } = await freshCode(now);
      const id = randomUUID();
      const pollSecret = randomToken(32);
      const expiresAt = now + PAIRING_TTL_MS;
      await insertPairing(db, { id, codeHash, pollSecretHash: hashSecret(pollSecret), name, now, expiresAt });
      return { id, code, pollSecret, expiresAt: isoTime(expiresAt) };
    },

    /** What the kiosk polling `id` sees; the key only in the first answer after the approval. */
    async status(id: string, pollSecret: string | undefined): Promise<PairingStatus> {
      const row = await findPairing(db, id);
      if (!row || !pollSecret || !secretMatches(pollSecret, row.poll_secret_hash)) throw notFound();
      const now = clock.now();
      if (row.kiosk_id === null) {
        // Taken by an administrator but its kiosk not created yet: pending a little longer than the code.
        if (row.approved_at === null ? row.expires_at <= now : row.approved_at + KEY_DELIVERY_WINDOW_MS <= now) throw expired();
        return { status: 'pending' };
      }
      const kiosk = await kiosks.get(row.kiosk_id);
      const approved = { status: 'approved' as const, kiosk: { id: kiosk.id, name: kiosk.name } };
      if (row.delivered_at !== null) return approved;
      if ((row.approved_at ?? now) + KEY_DELIVERY_WINDOW_MS <= now) throw expired();
      // The key is drawn now and only its hash kept: no kiosk key is ever at rest in clear.
      const kioskKey = await transact(db, async (tx) => {
        if (!(await markDelivered(tx, row.id, now))) return undefined;
        const key = newKioskKey();
        await setKioskKeyHash(tx, kiosk.id, hashSecret(key));
        return key;
      });
      return kioskKey === undefined ? approved : { ...approved, kioskKey };
    },

    /** An administrator (console or CLI) approves a code: the kiosk is created and the approval audited. */
    async approve(input: { code: string; name: string; location?: string | null }, actor: Actor = CLI_ACTOR): Promise<ApprovedPairing> {
      const normalised = normalisePairingCode(input.code);
      if (normalised === undefined) throw new AppError('PAIRING_NOT_FOUND', 'no kiosk is waiting with this code: a code is 8 letters and digits, like BCDF-2345');
      const name = cleanName(input.name, 'name');
      const codeHash = hashPairingCode(normalised);
      const now = clock.now();
      const claimed = await claimPairing(db, codeHash, now);
      if (!claimed) throw await refusal(codeHash);
      // Registered with a key of its own that nobody learns: the first poll replaces it (status above).
      let kiosk: { id: number; key: string };
      try {
        kiosk = await kiosks.register({ name, location: input.location }, actor);
      } catch (error) {
        await releasePairing(db, claimed.id);
        throw error;
      }
      const registered = await kiosks.get(kiosk.id);
      await transact(db, async (tx) => {
        await attachKiosk(tx, claimed.id, kiosk.id);
        await recordChange(tx, now, actor, 'kiosk.pair', {
          kioskId: kiosk.id,
          details: { pairingId: claimed.id, name: registered.name, location: registered.location, requestedName: claimed.name },
        });
      });
      return { id: kiosk.id, name: registered.name, location: registered.location, pairingId: claimed.id };
    },
  });
}

export type PairingService = ReturnType<typeof pairingService>;
