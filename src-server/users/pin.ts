import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../errors.ts';
import { pinProblem } from './pin-rule.ts';

/**
 * PINs are short and guessable by nature, so unlike the random secrets we issue (one SHA-256 is enough
 * for those, crypto.ts) they are stored with scrypt: a memory-hard, salted, deliberately slow hash.
 * Guessing is bounded online too: 5 tries per login session, 10 wrong in a row lock the PIN.
 */
const SCRYPT: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>> = { N: 2 ** 14, r: 8, p: 1 };
const KEY_LENGTH = 32;

export const PIN_RULE = 'a PIN is 4 to 8 digits';

/** Wrong PINs one login session tolerates before it is ended. */
export const MAX_PIN_ATTEMPTS = 5;
/** Wrong PINs in a row (across sessions and the console) after which the PIN is locked. */
export const PIN_LOCK_FAILURES = 10;

function derive(pin: string, salt: Buffer, options: typeof SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Checks a PIN a person chose: its shape, and that it is not one of the first codes anyone would try. */
export function parseNewPin(raw: string): string {
  const problem = pinProblem(raw);
  if (problem === 'format') throw new AppError('INVALID_REQUEST', PIN_RULE);
  if (problem === 'guessable') throw new AppError('INVALID_REQUEST', 'this PIN is too easy to guess (repeated or consecutive digits); choose another');
  return raw;
}

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(pin, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Compares a presented PIN with a stored scrypt hash, in constant time; parameters come from the hash. */
export async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const want = Buffer.from(expected, 'base64url');
  const got = await derive(pin, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}
