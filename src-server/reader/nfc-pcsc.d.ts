// The parts of nfc-pcsc (which ships no types) that the desk reader uses.
declare module 'nfc-pcsc' {
  import { EventEmitter } from 'node:events';

  export interface Card {
    uid?: string;
    atr?: Buffer;
    standard?: string;
  }

  export class Reader extends EventEmitter {
    readonly name: string;
    autoProcessing: boolean;
    read(blockNumber: number, length: number, blockSize?: number, packetSize?: number): Promise<Buffer>;
    write(blockNumber: number, data: Buffer, blockSize?: number): Promise<void>;
    /** ACR122 readers only: LED state control byte and [T1, T2, repetitions, buzzer link]. */
    led?(led: number, blinking: number[]): Promise<void>;
    close(): void;
  }

  export class NFC extends EventEmitter {
    constructor(logger?: unknown);
    close(): void;
  }
}
