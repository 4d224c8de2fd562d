// The desk reader's own process. nfc-pcsc blocks its thread while pcscd is absent and loses its
// context for good when pcscd restarts, so it lives here, away from the server's event loop: the
// parent (desk-reader.ts) restarts this process whenever it exits.
import type { Card, NFC as NfcType, Reader } from 'nfc-pcsc';
import { ndefTlvLength, readSecret } from './ndef.ts';
import type { ParentMessage, ReaderMessage, TapOutcome } from './reader-protocol.ts';

const USER_MEMORY_PAGE = 4;
const MAX_NDEF_BYTES = 496;
const quiet = { log() {}, debug() {}, info() {}, warn() {}, error() {} };

const send = (message: ReaderMessage) => process.send?.(message);
const outcomes = new Map<number, (message: ParentMessage) => void>();
let nextTap = 1;

process.on('message', (message: ParentMessage) => {
  if (message.type === 'outcome') {
    outcomes.get(message.id)?.(message);
    outcomes.delete(message.id);
  }
});
process.on('disconnect', () => process.exit(0));

/** Reads the UID and, from NTAG21x user memory, the badge secret record if there is one. */
async function readTap(reader: Reader, card: Card): Promise<void> {
  if (!card.uid) return;
  let secret: string | undefined;
  let memoryError: string | undefined;
  try {
    const head = await reader.read(USER_MEMORY_PAGE, 16, 4, 16);
    const length = Math.min(MAX_NDEF_BYTES, ndefTlvLength(head) ?? 0);
    const memory = length > head.length ? await reader.read(USER_MEMORY_PAGE, Math.ceil(length / 16) * 16, 4, 16) : head;
    secret = readSecret(memory);
  } catch (error) {
    // Not an NTAG21x, or lifted mid-read: the UID alone is what was tapped.
    memoryError = error instanceof Error ? error.message : String(error);
  }
  const id = nextTap++;
  const answer = new Promise<ParentMessage>((resolve) => {
    outcomes.set(id, resolve);
    setTimeout(() => resolve({ type: 'outcome', id, outcome: 'ignored' }), 30_000).unref();
  });
  send({ type: 'tap', id, uid: card.uid.toUpperCase(), readerName: reader.name, ...(secret ? { secret } : {}), ...(memoryError ? { memoryError } : {}) });
  const { outcome, write } = await answer;
  if (write === undefined) return feedback(reader, outcome);
  const written = await writeUserMemory(reader, Buffer.from(write, 'hex'));
  send({ type: 'written', id, ...written });
  await feedback(reader, written.ok ? outcome : 'rejected');
}

/** Writes whole pages from page 4, then reads them back: a badge lifted mid-write is caught here. */
async function writeUserMemory(reader: Reader, data: Buffer): Promise<{ ok: boolean; error?: string }> {
  try {
    await reader.write(USER_MEMORY_PAGE, data, 4);
    const back = await reader.read(USER_MEMORY_PAGE, Math.ceil(data.length / 16) * 16, 4, 16);
    if (!back.subarray(0, data.length).equals(data)) return { ok: false, error: 'the badge did not keep what was written' };
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Green blink and one beep for an accepted badge, red and two beeps for a refused one (ACR122U). */
async function feedback(reader: Reader, outcome: TapOutcome): Promise<void> {
  if (!reader.led || outcome === 'ignored') return;
  try {
    if (outcome === 'accepted') await reader.led(0b00101110, [0x01, 0x00, 0x01, 0x01]);
    else await reader.led(0b01011101, [0x02, 0x01, 0x02, 0x01]);
  } catch {
    // Feedback is a courtesy; a reader that refuses it still read the badge.
  }
}

let NFC: typeof NfcType;
try {
  ({ NFC } = await import('nfc-pcsc'));
} catch {
  send({ type: 'state', state: 'unavailable' });
  process.exit(0);
}

send({ type: 'state', state: 'no-service' });
// Returns only once pcscd answers.
const nfc = new NFC(quiet);
send({ type: 'state', state: 'no-reader' });
const readers = new Set<Reader>();

const lost = (error: Error) => {
  send({ type: 'log', message: `PC/SC: ${error.message}` });
  process.exit(3);
};
nfc.on('error', lost);
nfc.on('reader', (reader: Reader) => {
  readers.add(reader);
  reader.autoProcessing = true;
  send({ type: 'state', state: 'ready' });
  reader.on('card', (card: Card) => {
    send({ type: 'state', state: 'card-present' });
    void readTap(reader, card);
  });
  reader.on('card.off', () => send({ type: 'state', state: 'ready' }));
  reader.on('error', lost);
  reader.on('end', () => {
    readers.delete(reader);
    if (readers.size === 0) send({ type: 'state', state: 'no-reader' });
  });
});
