import { parse as uuidBytes, stringify as uuidString, v7 as uuidv7 } from 'uuid';
import { fillRandom } from '../crypto.ts';

/**
 * A login session's id is a UUIDv7: time-ordered, so that the rows and their primary-key index grow at
 * one end instead of dirtying a random page of each per login.
 */
export const newLoginSessionId = (): string => uuidv7({ random: fillRandom(Buffer.allocUnsafe(16)) });

const ID_BYTES = 16;
const SECRET_BYTES = 32;

/**
 * The QR token: the session's id (16 bytes) and a fresh 256-bit secret, base64url. The phone's token
 * finds its row through the primary key; only the whole token's hash is stored, and it is compared in
 * constant time, so the id part gives nothing away that the secret does not still guard.
 */
export function newQrToken(sessionId: string): string {
  const token = Buffer.allocUnsafe(ID_BYTES + SECRET_BYTES);
  token.set(uuidBytes(sessionId));
  return fillRandom(token, ID_BYTES, SECRET_BYTES).toString('base64url');
}

/** The session id a QR token names, or undefined for anything that is not one of ours. */
export function loginSessionIdOfToken(token: string): string | undefined {
  if (token.length !== Math.ceil(((ID_BYTES + SECRET_BYTES) * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  return uuidString(Buffer.from(token, 'base64url').subarray(0, ID_BYTES));
}
