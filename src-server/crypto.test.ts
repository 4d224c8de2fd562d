import { describe, expect, it } from 'vitest';
import { hashSecret, randomToken, secretMatches } from './crypto.ts';

describe('random tokens', () => {
  it('are base64url strings of the asked size, never repeated across many refills of the pool', () => {
    const tokens = Array.from({ length: 5_000 }, () => randomToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(randomToken(5_000), 'base64url')).toHaveLength(5_000);
  });

  it('look random: each bit is set about half the time', () => {
    const counts = new Array<number>(256).fill(0);
    const n = 2_000;
    for (let i = 0; i < n; i++) {
      const bytes = Buffer.from(randomToken(), 'base64url');
      for (let bit = 0; bit < 256; bit++) counts[bit] = (counts[bit] ?? 0) + (((bytes[bit >> 3] ?? 0) >> (bit & 7)) & 1);
    }
    // 2,000 draws per bit: a fair bit lands within ±200 of 1,000 all but never (σ ≈ 22).
    for (const count of counts) expect(Math.abs(count - n / 2)).toBeLessThan(200);
  });
});

describe('secret hashes', () => {
  it('match the secret they were made from and nothing else', () => {
    const secret = randomToken();
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(`${secret}x`, hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, 'short')).toBe(false);
  });
});
