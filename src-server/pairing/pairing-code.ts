import { createHash } from 'node:crypto';
import { fillRandom } from '../crypto.ts';

/**
 * The characters of a pairing code: consonants and digits read out or typed without doubt — no vowels
 * (no words by accident, as RFC 8628 §6.1 advises), none of 0 O 1 I L. 27^8 ≈ 2.8·10¹¹ codes.
 */
export const PAIRING_CODE_ALPHABET = 'BCDFGHJKMNPQRSTVWXZ23456789';
export const PAIRING_CODE_LENGTH = 8;

// The largest multiple of the alphabet's size under 256: bytes above it are drawn again, so that every
// character is equally likely.
const UNBIASED_LIMIT = 256 - (256 % PAIRING_CODE_ALPHABET.length);

/** A fresh code, as the kiosk shows it: `XXXX-XXXX`. */
export function newPairingCode(): string {
  let code = '';
  const bytes = Buffer.allocUnsafe(16);
  while (code.length < PAIRING_CODE_LENGTH) {
    fillRandom(bytes);
    for (const byte of bytes) {
      if (byte >= UNBIASED_LIMIT || code.length === PAIRING_CODE_LENGTH) continue;
      code += PAIRING_CODE_ALPHABET[byte % PAIRING_CODE_ALPHABET.length];
    }
  }
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The code as stored and compared: upper case, without the dash or spaces; undefined if it cannot be one of ours. */
export function normalisePairingCode(raw: string): string | undefined {
  const code = raw.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== PAIRING_CODE_LENGTH) return undefined;
  for (const char of code) if (!PAIRING_CODE_ALPHABET.includes(char)) return undefined;
  return code;
}

/**
 * A code is looked up by value when an administrator approves it, so it is stored as a plain SHA-256 of
 * its normalised form rather than salted: it lives ten minutes, works once, and only an administrator
 * can present one, so a keyed hash would guard nothing more.
 */
export function hashPairingCode(normalised: string): string {
  return createHash('sha256').update(`tapin-pairing-code:${normalised}`, 'utf8').digest('base64url');
}
