import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

// Each draw from the CSPRNG costs ~6 µs whatever its size, which was a tenth of a session's creation;
// one draw fills a pool that serves 128 tokens (node's randomUUID keeps such a cache too). Every
// byte is handed out once, then wiped.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** Fresh random bytes from the pool, copied into `into` at `offset`. */
export function fillRandom(into: Buffer, offset = 0, bytes = into.length - offset): Buffer {
  if (bytes > POOL_SIZE) return randomFillSync(into, offset, bytes);
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(into, offset, poolOffset, poolOffset + bytes);
  pool.fill(0, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return into;
}

/** A fresh random secret, base64url: 32 bytes = 256 bits unless told otherwise. */
export function randomToken(bytes = 32): string {
  return fillRandom(Buffer.allocUnsafe(bytes)).toString('base64url');
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
