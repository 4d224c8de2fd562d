import { describe, expect, it } from 'vitest';
import { encodeSecretTlv, ndefTlvLength, readSecret } from './ndef.ts';

describe('the badge-secret NDEF record', () => {
  it('reads back the secret it encodes, padded to whole pages', () => {
    const tlv = encodeSecretTlv('s3cr3t-ÆØÅ');
    expect(tlv.length % 4).toBe(0);
    expect(readSecret(tlv)).toBe('s3cr3t-ÆØÅ');
    expect(ndefTlvLength(tlv)).toBe(tlv.indexOf(0xfe));
  });

  it('finds no secret on an empty tag, a foreign record, or garbage', () => {
    expect(readSecret(Buffer.from([0x03, 0x00, 0xfe, 0x00]))).toBeUndefined();
    // A URI record (well-known type "U") is not a secret.
    expect(readSecret(Buffer.from([0x03, 0x08, 0xd1, 0x01, 0x04, 0x55, 0x04, 0x61, 0x2e, 0x62, 0xfe]))).toBeUndefined();
    expect(readSecret(Buffer.from([0x03, 0x20, 0xd4, 0xff]))).toBeUndefined();
    expect(readSecret(Buffer.alloc(0))).toBeUndefined();
  });
});
