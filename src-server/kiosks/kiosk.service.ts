import { CLI_ACTOR, recordChange, type Actor } from '../audit/audit.repository.ts';
import { transact } from '../db/dialect.ts';
import { hashSecret, randomToken } from '../crypto.ts';
import type { Deps } from '../deps.ts';
import type { KioskRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { kioskChannel, loginSessionChannel } from '../realtime/event-bus.ts';
import { isoTime, toLoginSessionView } from '../sessions/login-session.view.ts';
import { createReaderPresence } from '../reader/reader-presence.ts';
import type { DeskReaderState } from '../reader/reader-protocol.ts';
import { cleanName } from '../users/user.service.ts';
import { createKioskPresence } from './kiosk-presence.ts';
import { findActiveKioskByKeyHash, findKiosk, insertKiosk, listKiosks, setKioskKeyHash } from './kiosk.repository.ts';

/** A kiosk as the console lists it. */
export interface KioskSummary {
  id: number;
  name: string;
  location: string | null;
  createdAt: string;
  revokedAt: string | null;
  /** The last time it was online or called with its key (before that was kept: its last login session). */
  lastSeenAt: string | null;
  signedIn: { id: number; displayName: string } | null;
  /** Its screen holds its events socket on this server instance. */
  online: boolean;
  /** The kiosk app's version its screen last reported. */
  appVersion: string | null;
  /** Its desk reader's state: reported by a reader at the kiosk, or the reader on this machine. */
  readerState: DeskReaderState | null;
}

/** The state of the desk reader attached to this server's machine, for the kiosk it serves. */
export type LocalReaderState = (kioskId: number) => DeskReaderState | undefined;

type KioskListRow = Awaited<ReturnType<typeof listKiosks>>[number];

const latest = (...times: (number | null | undefined)[]): number | null => {
  const known = times.filter((time): time is number => typeof time === 'number');
  return known.length === 0 ? null : Math.max(...known);
};

const optionalName = (raw: string | null | undefined, what: string) => (raw === undefined || raw === null || raw.trim() === '' ? null : cleanName(raw, what));

// The prefix lets secret scanners and people recognise a leaked kiosk key.
export const newKioskKey = (): string => `tk_${randomToken(32)}`;

interface KioskServiceParts {
  /** Ends the access sessions opened at a kiosk (it was revoked). */
  endAccessAt(kioskId: number, actor: Actor): Promise<number>;
}

export function kioskService({ db, clock, bus }: Pick<Deps, 'db' | 'clock' | 'bus'>, parts: KioskServiceParts) {
  const presence = createKioskPresence({ db, clock });
  const readers = createReaderPresence(bus);

  async function summary(id: number): Promise<KioskSummary> {
    const row = (await listKiosks(db, clock.now(), id))[0];
    if (!row) throw new AppError('KIOSK_NOT_FOUND', `no kiosk with id ${id}`);
    return toSummary(row);
  }
  const toSummary = (row: KioskListRow, localReader?: LocalReaderState): KioskSummary => {
    const here = presence.view(row.id);
    const lastSeen = latest(here.seenAt, row.last_seen_at, row.last_session_at);
    return {
      id: row.id,
      name: row.name,
      location: row.location,
      createdAt: isoTime(row.created_at),
      revokedAt: row.revoked_at === null ? null : isoTime(row.revoked_at),
      lastSeenAt: lastSeen === null ? null : isoTime(lastSeen),
      signedIn: row.signed_in_user_id === null ? null : { id: row.signed_in_user_id, displayName: row.signed_in_name ?? '' },
      online: here.online,
      appVersion: here.appVersion ?? row.app_version,
      readerState: readers.state(row.id) ?? localReader?.(row.id) ?? null,
    };
  };

  return Object.freeze({
    /** Which kiosks are up, as this server instance sees them. */
    presence,
    /** The state desk readers at kiosks report (`PUT /kiosk/reader-state`). */
    readers,

    async register(input: { name: string; location?: string | null }, actor: Actor = CLI_ACTOR): Promise<{ id: number; key: string }> {
      const key = newKioskKey();
      const name = cleanName(input.name, 'name');
      const location = optionalName(input.location, 'location');
      const now = clock.now();
      const row = await transact(db, async (tx) => {
        const inserted = await insertKiosk(tx, { name, location, keyHash: hashSecret(key), now });
        await recordChange(tx, now, actor, 'kiosk.register', { kioskId: inserted.id, details: { name, location } });
        return inserted;
      });
      return { id: row.id, key };
    },

    list: async (localReader?: LocalReaderState): Promise<KioskSummary[]> => (await listKiosks(db, clock.now())).map((row) => toSummary(row, localReader)),

    get: summary,

    async update(id: number, change: { name?: string; location?: string | null }, actor: Actor): Promise<KioskSummary> {
      const kiosk = await findKiosk(db, id);
      if (!kiosk) throw new AppError('KIOSK_NOT_FOUND', `no kiosk with id ${id}`);
      const set: { name?: string; location?: string | null } = {};
      if (change.name !== undefined) set.name = cleanName(change.name, 'name');
      if (change.location !== undefined) set.location = optionalName(change.location, 'location');
      if (Object.keys(set).length > 0) {
        const now = clock.now();
        await transact(db, async (tx) => {
          await tx.updateTable('kiosks').set(set).where('id', '=', id).execute();
          await recordChange(tx, now, actor, 'kiosk.update', { kioskId: id, details: { ...set, previous: { name: kiosk.name, location: kiosk.location } } });
        });
      }
      return summary(id);
    },

    /**
     * Revokes a kiosk: its key stops working, the login sessions it was showing die with it (their
     * watchers are told), and whoever is signed in there is signed out.
     */
    async revoke(id: number, actor: Actor): Promise<KioskSummary> {
      const kiosk = await findKiosk(db, id);
      if (!kiosk) throw new AppError('KIOSK_NOT_FOUND', `no kiosk with id ${id}`);
      if (kiosk.revoked_at === null) {
        const now = clock.now();
        const ended = await transact(db, async (tx) => {
          await tx.updateTable('kiosks').set({ revoked_at: now }).where('id', '=', id).execute();
          const sessions = await tx
            .updateTable('login_sessions')
            .set({ status: 'expired' })
            .where('kiosk_id', '=', id)
            .where('status', 'in', ['pending', 'authenticated'])
            .returningAll()
            .execute();
          await recordChange(tx, now, actor, 'kiosk.revoke', { kioskId: id, details: { endedLoginSessions: sessions.length } });
          return sessions;
        });
        for (const row of ended) bus.publish(loginSessionChannel(row.id), { type: 'status', session: toLoginSessionView(row, now) });
        bus.publish(kioskChannel(id), { type: 'revoked' });
        await parts.endAccessAt(id, actor);
      }
      return summary(id);
    },

    /** Stops presence tracking, writing when the kiosks still connected were last seen. */
    async stop(): Promise<void> {
      readers.stop();
      await presence.stop();
    },

    /** Issues a new key for a kiosk; the old one stops working at once. */
    async rotateKey(id: number): Promise<string> {
      const key = newKioskKey();
      await setKioskKeyHash(db, id, hashSecret(key));
      return key;
    },

    /** The registered, unrevoked kiosk a key belongs to. Keys are looked up by hash, never compared in clear. */
    async authenticate(key: string | undefined): Promise<KioskRow> {
      const kiosk = key ? await findActiveKioskByKeyHash(db, hashSecret(key)) : undefined;
      if (!kiosk) throw new AppError('KIOSK_UNAUTHORIZED', 'a valid kiosk key is required (Authorization: Bearer <kiosk key>)');
      presence.seen(kiosk.id);
      return kiosk;
    },
  });
}

export type KioskService = ReturnType<typeof kioskService>;
