/** What the desk reader can say of itself, for logs and for the kiosk screen. */
export type DeskReaderState = 'unavailable' | 'no-service' | 'no-reader' | 'ready' | 'card-present';

/** What became of a tap; drives the reader's LED and buzzer where it has them. */
export type TapOutcome = 'accepted' | 'rejected' | 'ignored';

export interface BadgeTap {
  uid: string;
  secret?: string;
  readerName: string;
}

/** Messages from the reader process to the server. */
export type ReaderMessage =
  | { type: 'state'; state: DeskReaderState }
  | ({ type: 'tap'; id: number; memoryError?: string } & BadgeTap)
  | { type: 'log'; message: string }
  | { type: 'written'; id: number; ok: boolean; error?: string };

/**
 * Messages from the server to the reader process: what became of a tap, and optionally bytes to
 * write to the badge's user memory (from page 4) while it is still on the reader (enrollment).
 */
export type ParentMessage = { type: 'outcome'; id: number; outcome: TapOutcome; write?: string };
