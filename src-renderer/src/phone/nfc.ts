/**
 * Reading a badge with Web NFC (Chrome on Android, secure contexts only).
 *
 * The badge secret, when a badge has one, is one NDEF record of the external type
 * `tapin.dev:secret` whose payload is the secret as UTF-8 text. The UID is the tag's serial number.
 */
import { SECRET_RECORD_TYPE } from '../../../src-server/badges/secret-record.ts';

export interface BadgeRead {
  uid: string;
  secret?: string;
}

interface NdefRecordLike {
  recordType: string;
  data?: DataView;
}
interface NdefReadingEventLike extends Event {
  serialNumber: string;
  message: { records: readonly NdefRecordLike[] };
}
interface NdefReaderLike extends EventTarget {
  scan(options?: { signal?: AbortSignal }): Promise<void>;
}

export function hasWebNfc(): boolean {
  return typeof (globalThis as { NDEFReader?: unknown }).NDEFReader === 'function';
}

/** Waits for one badge; rejects with a DOMException (NotAllowedError, NotSupportedError…) or on abort. */
export async function readBadge(signal: AbortSignal): Promise<BadgeRead> {
  const Reader = (globalThis as unknown as { NDEFReader: new () => NdefReaderLike }).NDEFReader;
  const reader = new Reader();
  const reading = new Promise<BadgeRead>((resolve, reject) => {
    reader.addEventListener('reading', (event) => {
      const { serialNumber, message } = event as NdefReadingEventLike;
      const record = message.records.find((r) => r.recordType === SECRET_RECORD_TYPE);
      const secret = record?.data ? new TextDecoder().decode(record.data) : undefined;
      resolve(secret ? { uid: serialNumber, secret } : { uid: serialNumber });
    });
    reader.addEventListener('readingerror', () => reject(new DOMException('the badge could not be read', 'NetworkError')));
    signal.addEventListener('abort', () => reject(new DOMException('cancelled', 'AbortError')));
  });
  await reader.scan({ signal });
  return reading;
}
