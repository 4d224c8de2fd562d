import { describe, expect, it } from 'vitest';
import { normalizeBadgeUid } from './badge-uid.ts';

describe('normalizeBadgeUid', () => {
  it.each([
    ['04a1b2c3d4e5f6', '04A1B2C3D4E5F6'],
    ['04:A1:b2:c3:D4:e5:F6', '04A1B2C3D4E5F6'],
    ['  DEADBEEF ', 'DEADBEEF'],
    ['0102030405060708090a', '0102030405060708090A'],
  ])('stores %j as %j', (raw, stored) => {
    expect(normalizeBadgeUid(raw)).toBe(stored);
  });

  it.each(['', 'xyz', '04A1B2C', '04A1B2', '04:A1B2:C3', '04:a1:', '0102030405060708090a0b', '04-A1-B2-C3', '0x04A1B2C3'])(
    'refuses %j',
    (raw) => {
      expect(normalizeBadgeUid(raw)).toBeUndefined();
    },
  );
});
