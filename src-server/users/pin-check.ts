import { sql } from 'kysely';
import type { TapinDb } from '../db/open.ts';
import { PIN_LOCK_FAILURES, pinMatches } from './pin.ts';

export type PinCheck = { ok: true } | { ok: false; reason: 'no_pin' | 'pin_locked' | 'wrong_pin'; failures: number };

/**
 * Checks a user's PIN and keeps their count of wrong PINs in a row: a right PIN resets it, a wrong one
 * adds to it, and at PIN_LOCK_FAILURES the PIN is locked (every check fails) until a new one is set.
 * Both the kiosk's PIN step and the console's step-up go through here, so guesses add up across both.
 */
export async function checkUserPin(db: TapinDb, userId: number, pin: string): Promise<PinCheck> {
  const user = await db.selectFrom('users').select(['pin_hash', 'pin_failures']).where('id', '=', userId).executeTakeFirst();
  if (!user?.pin_hash) return { ok: false, reason: 'no_pin', failures: 0 };
  if (user.pin_failures >= PIN_LOCK_FAILURES) return { ok: false, reason: 'pin_locked', failures: user.pin_failures };
  if (await pinMatches(pin, user.pin_hash)) {
    if (user.pin_failures > 0) await db.updateTable('users').set({ pin_failures: 0 }).where('id', '=', userId).execute();
    return { ok: true };
  }
  const counted = await db
    .updateTable('users')
    .set({ pin_failures: sql<number>`pin_failures + 1` })
    .where('id', '=', userId)
    .returning('pin_failures')
    .executeTakeFirst();
  const failures = counted?.pin_failures ?? PIN_LOCK_FAILURES;
  return { ok: false, reason: failures >= PIN_LOCK_FAILURES ? 'pin_locked' : 'wrong_pin', failures };
}
