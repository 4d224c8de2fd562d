import { describe, expect, it } from 'vitest';
import { hashPairingCode, newPairingCode, normalisePairingCode, PAIRING_CODE_ALPHABET } from './pairing-code.ts';

describe('pairing codes', () => {
  it('are 8 characters of the unambiguous alphabet, shown as XXXX-XXXX, each character drawn evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const code = newPairingCode();
      expect(code).toMatch(new RegExp(`^[${PAIRING_CODE_ALPHABET}]{4}-[${PAIRING_CODE_ALPHABET}]{4}$`));
      for (const char of code.replace('-', '')) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect([...counts.keys()].sort().join('')).toBe([...PAIRING_CODE_ALPHABET].sort().join(''));
    // 16 000 characters over 27: about 593 each; a biased draw would leave some far off.
    for (const count of counts.values()) expect(count).toBeGreaterThan(450);
    expect(PAIRING_CODE_ALPHABET).not.toMatch(/[0O1IL]/);
  });

  it('are read with or without the dash, in any case, with stray spaces', () => {
    expect(normalisePairingCode('bcdf-2345')).toBe('BCDF2345');
    expect(normalisePairingCode(' BCDF 2345 ')).toBe('BCDF2345');
    expect(normalisePairingCode('bcdf2345')).toBe('BCDF2345');
    expect(hashPairingCode('BCDF2345')).not.toBe(hashPairingCode('BCDF2346'));
  });

  it('refuse what cannot be a code: wrong length or a character outside the alphabet', () => {
    for (const raw of ['BCDF-234', 'BCDF-23456', 'BCDF-234O', 'BCD1-2345', 'ABCD-2345', '']) expect(normalisePairingCode(raw), raw).toBeUndefined();
  });
});
