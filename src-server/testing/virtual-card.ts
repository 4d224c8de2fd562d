import { Socket } from 'node:net';

/**
 * An NTAG215 badge played into vsmartcard's virtual reader ("Virtual PCD"), for tests on the real
 * PC/SC stack. vpcd listens on 127.0.0.1:35963; connecting is holding the badge to the reader and
 * closing the socket takes it away. Frames are a 2-byte big-endian length then the payload: a 1-byte
 * payload is a control code (0 power off, 1 power on, 2 reset, 4 send the ATR), anything else an APDU.
 * This stands in for a physical badge only; pcscd, the driver and nfc-pcsc above it are the real ones.
 */
export const VPCD_PORT = 35963;
const NTAG215_ATR = Buffer.from('3B8F8001804F0CA0000003060300030000000068', 'hex');
const NTAG215_PAGES = 135;
const OK = Buffer.from([0x90, 0x00]);
const WRONG_PARAMETERS = Buffer.from([0x6a, 0x82]);
const UNSUPPORTED = Buffer.from([0x6d, 0x00]);
/** A write to a locked tag. */
const NOT_ALLOWED = Buffer.from([0x69, 0x86]);

export interface VirtualCardOptions {
  /** 7-byte UID as hex. */
  uid: string;
  /** Initial user memory from page 4 on (an NDEF TLV area), if any. */
  ndef?: Buffer;
  port?: number;
  /** A tag locked against writing (lock bits set): every write is refused, as a real one refuses it. */
  readOnly?: boolean;
}

export class VirtualCard {
  readonly uid: Buffer;
  /** The tag's whole memory, 4 bytes a page; tests read what the reader wrote. */
  readonly memory = Buffer.alloc(NTAG215_PAGES * 4);
  readonly apdus: Buffer[] = [];
  #socket: Socket | undefined;
  readonly #readOnly: boolean;

  constructor(options: VirtualCardOptions) {
    this.uid = Buffer.from(options.uid, 'hex');
    this.#readOnly = options.readOnly ?? false;
    if (this.uid.length !== 7) throw new Error('an NTAG215 UID is 7 bytes');
    this.uid.copy(this.memory, 0, 0, 3);
    const byte = (i: number) => this.uid.readUInt8(i);
    this.memory[3] = 0x88 ^ byte(0) ^ byte(1) ^ byte(2);
    this.uid.copy(this.memory, 4, 3, 7);
    this.memory[8] = byte(3) ^ byte(4) ^ byte(5) ^ byte(6);
    // Capability container: NDEF 1.0, 496 bytes of data area, read/write.
    Buffer.from([0xe1, 0x10, 0x3e, 0x00]).copy(this.memory, 12);
    (options.ndef ?? Buffer.from([0x03, 0x00, 0xfe])).copy(this.memory, 16);
  }

  /** Holds the badge to the reader. Resolves once vpcd has accepted the connection. */
  tap(port = VPCD_PORT): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      this.#socket = socket;
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2) {
          const length = pending.readUInt16BE(0);
          if (pending.length < 2 + length) break;
          const payload = pending.subarray(2, 2 + length);
          pending = pending.subarray(2 + length);
          const answer = this.#answer(payload);
          if (answer) socket.write(Buffer.concat([Buffer.from([answer.length >> 8, answer.length & 0xff]), answer]));
        }
      });
      socket.once('error', reject);
      socket.connect(port, '127.0.0.1', () => resolve());
    });
  }

  /** Takes the badge away. */
  remove(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      socket.destroy();
    });
  }

  #answer(payload: Buffer): Buffer | undefined {
    if (payload.length === 1) return payload[0] === 0x04 ? NTAG215_ATR : undefined;
    this.apdus.push(Buffer.from(payload));
    const [cla, ins, p1, p2, lc] = payload;
    if (cla !== 0xff) return UNSUPPORTED;
    if (ins === 0xca && p1 === 0x00) return Buffer.concat([this.uid, OK]);
    if (ins === 0xb0) {
      const start = (p2 ?? 0) * 4;
      const length = lc === undefined || lc === 0 ? 16 : lc;
      if (start + length > this.memory.length) return WRONG_PARAMETERS;
      return Buffer.concat([this.memory.subarray(start, start + length), OK]);
    }
    if (ins === 0xd6) {
      if (this.#readOnly) return NOT_ALLOWED;
      const page = p2 ?? 0;
      if (lc !== 4 || page < 4 || page >= NTAG215_PAGES - 5) return WRONG_PARAMETERS;
      payload.copy(this.memory, page * 4, 5, 9);
      return OK;
    }
    // Reader commands (LED, buzzer, firmware…): accepted.
    if (ins === 0x00) return OK;
    return UNSUPPORTED;
  }
}
