import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random secret, base64url: 32 bytes = 256 bits unless told otherwise. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Secrets we issue are high-entropy random strings, so a single SHA-256 is enough to store them:
 * nothing can be guessed back from it, and lookups by hash stay indexable.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(presented), 'base64url');
  const b = Buffer.from(storedHash, 'base64url');
  return a.length === b.length && timingSafeEqual(a, b);
}
