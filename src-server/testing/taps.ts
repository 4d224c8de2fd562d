import type { DeskReader, DeskReaderState, TapOutcome } from '../reader/desk-reader.ts';
import type { VirtualCard } from './virtual-card.ts';

/** Resolves once the desk reader reports `wanted`. */
export function readerState(reader: DeskReader, wanted: DeskReaderState, timeoutMs = 15_000): Promise<void> {
  if (reader.state === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`desk reader stayed ${reader.state}, never ${wanted}`)), timeoutMs);
    const onState = (state: DeskReaderState) => {
      if (state !== wanted) return;
      clearTimeout(timer);
      reader.events.off('state', onState);
      resolve();
    };
    reader.events.on('state', onState);
  });
}

/** Holds a badge to the reader until its tap has been handled, then lifts it; resolves with the outcome. */
export async function tapBadge(reader: DeskReader, card: VirtualCard): Promise<TapOutcome> {
  const outcome = new Promise<TapOutcome>((resolve) => reader.events.once('tap', (_tap, result) => resolve(result)));
  await card.tap();
  try {
    return await outcome;
  } finally {
    await card.remove();
    await readerState(reader, 'ready');
  }
}
