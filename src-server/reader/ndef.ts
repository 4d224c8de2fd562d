/**
 * The badge secret on an NTAG21x tag: an NDEF message in a TLV (type 0x03) from page 4, holding one
 * record of the NFC Forum external type `tapin.dev:secret` whose payload is the secret in UTF-8.
 * The phone page reads the same record through Web NFC.
 */
import { SECRET_RECORD_TYPE } from '../badges/secret-record.ts';

const TNF_EXTERNAL = 0x04;
const NDEF_TLV = 0x03;
const TERMINATOR_TLV = 0xfe;

/** The TLV bytes to write from page 4 on (padded to whole 4-byte pages). */
export function encodeSecretTlv(secret: string): Buffer {
  const type = Buffer.from(SECRET_RECORD_TYPE, 'ascii');
  const payload = Buffer.from(secret, 'utf8');
  if (payload.length > 255) throw new Error('a badge secret must fit a short NDEF record (255 bytes)');
  // MB | ME | SR, TNF external.
  const record = Buffer.concat([Buffer.from([0xd0 | TNF_EXTERNAL, type.length, payload.length]), type, payload]);
  const tlv = Buffer.concat([Buffer.from([NDEF_TLV, record.length]), record, Buffer.from([TERMINATOR_TLV])]);
  const padded = Buffer.alloc(Math.ceil(tlv.length / 4) * 4);
  tlv.copy(padded);
  return padded;
}

/** How many bytes of user memory (from page 4) hold the NDEF TLV, judged from its first bytes. */
export function ndefTlvLength(head: Buffer): number | undefined {
  let offset = 0;
  while (offset < head.length) {
    const tag = head[offset];
    if (tag === 0x00) {
      offset += 1;
      continue;
    }
    if (tag === TERMINATOR_TLV || tag === undefined) return undefined;
    const short = head[offset + 1];
    if (short === undefined) return undefined;
    const [length, headerSize] = short === 0xff ? [head.readUInt16BE(offset + 2), 4] : [short, 2];
    if (tag === NDEF_TLV) return offset + headerSize + length;
    offset += headerSize + length;
  }
  return undefined;
}

/** The badge secret in a tag's user memory, if it carries one. Anything malformed reads as none. */
export function readSecret(memory: Buffer): string | undefined {
  let offset = 0;
  while (offset < memory.length && memory[offset] === 0x00) offset++;
  if (memory[offset] !== NDEF_TLV) return undefined;
  const short = memory[offset + 1];
  if (short === undefined) return undefined;
  const [length, headerSize] = short === 0xff ? [memory.readUInt16BE(offset + 2), 4] : [short, 2];
  const message = memory.subarray(offset + headerSize, offset + headerSize + length);
  let at = 0;
  while (at < message.length) {
    const header = message[at];
    const typeLength = message[at + 1];
    if (header === undefined || typeLength === undefined) return undefined;
    const shortRecord = (header & 0x10) !== 0;
    const hasId = (header & 0x08) !== 0;
    const payloadLength = shortRecord ? message[at + 2] : message.length >= at + 6 ? message.readUInt32BE(at + 2) : undefined;
    if (payloadLength === undefined) return undefined;
    let cursor = at + 2 + (shortRecord ? 1 : 4);
    const idLength = hasId ? (message[cursor++] ?? 0) : 0;
    const type = message.subarray(cursor, cursor + typeLength).toString('ascii');
    cursor += typeLength + idLength;
    const payload = message.subarray(cursor, cursor + payloadLength);
    if ((header & 0x07) === TNF_EXTERNAL && type === SECRET_RECORD_TYPE) return payload.toString('utf8');
    if ((header & 0x40) !== 0) return undefined;
    at = cursor + payloadLength;
  }
  return undefined;
}
