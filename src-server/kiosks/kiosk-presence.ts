import type { Deps } from '../deps.ts';

/** A kiosk's last_seen_at is written at most this often while it stays up (and once more when it leaves). */
export const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;

/** What this server instance knows of a kiosk beyond its row: whether its screen is connected, since when it was seen. */
export interface KioskPresenceView {
  online: boolean;
  /** Epoch ms; now while online. Undefined when this instance has not seen the kiosk since it started. */
  seenAt?: number;
  /** As its screen reported it on this connection, if it did. */
  appVersion?: string;
}

interface Entry {
  connections: number;
  seenAt: number;
  writtenAt?: number;
  appVersion?: string;
}

/**
 * Kiosk presence, held in memory by this server instance: a kiosk is online while it holds an
 * authenticated `/kiosk/events` socket, and seen whenever it is online or calls with its key. The
 * database keeps `last_seen_at` (throttled) and `app_version`, so that "last seen" survives a restart.
 */
export function createKioskPresence({ db, clock }: Pick<Deps, 'db' | 'clock'>) {
  const kiosks = new Map<number, Entry>();
  const writes = new Set<Promise<void>>();
  let stopped = false;

  const write = (kioskId: number, set: { last_seen_at: number; app_version?: string }) => {
    if (stopped) return;
    // Best effort: a failed write is retried by the next one, and presence never fails a kiosk's call.
    const done: Promise<void> = db
      .updateTable('kiosks')
      .set(set)
      .where('id', '=', kioskId)
      .execute()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => writes.delete(done));
    writes.add(done);
  };

  const seen = (kioskId: number, options: { persist?: boolean; appVersion?: string } = {}): Entry => {
    const now = clock.now();
    const entry = kiosks.get(kioskId) ?? { connections: 0, seenAt: now };
    kiosks.set(kioskId, entry);
    entry.seenAt = now;
    const versionChanged = options.appVersion !== undefined && options.appVersion !== entry.appVersion;
    if (options.appVersion !== undefined) entry.appVersion = options.appVersion;
    if (options.persist || versionChanged || entry.writtenAt === undefined || now - entry.writtenAt >= LAST_SEEN_WRITE_INTERVAL_MS) {
      entry.writtenAt = now;
      write(kioskId, versionChanged ? { last_seen_at: now, app_version: options.appVersion } : { last_seen_at: now });
    }
    return entry;
  };

  // A kiosk that stays connected for hours is still seen: its last_seen_at moves on once a minute.
  const ticker = setInterval(() => {
    for (const [kioskId, entry] of kiosks) if (entry.connections > 0) seen(kioskId);
  }, LAST_SEEN_WRITE_INTERVAL_MS);
  ticker.unref();

  return Object.freeze({
    /** The kiosk made a call with its key. */
    seen(kioskId: number): void {
      seen(kioskId);
    },

    /** The kiosk's screen holds its events socket from now on; call the returned function when it closes. */
    connected(kioskId: number, appVersion?: string): () => void {
      const entry = seen(kioskId, { appVersion });
      entry.connections += 1;
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        entry.connections -= 1;
        seen(kioskId, { persist: true });
      };
    },

    view(kioskId: number): KioskPresenceView {
      const entry = kiosks.get(kioskId);
      if (!entry) return { online: false };
      const online = entry.connections > 0;
      return { online, seenAt: online ? clock.now() : entry.seenAt, appVersion: entry.appVersion };
    },

    /** Writes when every kiosk still connected was last seen (now) and waits for the writes under way. */
    async stop(): Promise<void> {
      clearInterval(ticker);
      for (const [kioskId, entry] of kiosks) if (entry.connections > 0) seen(kioskId, { persist: true });
      stopped = true;
      await Promise.all(writes);
    },
  });
}

export type KioskPresence = ReturnType<typeof createKioskPresence>;

/** An app version as a kiosk screen reports it: a short printable string, else nothing. */
export function appVersionOf(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const version = raw.trim();
  return version.length > 0 && version.length <= 32 && /^[\x20-\x7e]+$/.test(version) ? version : undefined;
}
