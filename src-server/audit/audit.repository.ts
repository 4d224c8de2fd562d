import type { TapinDb } from '../db/open.ts';
import { preparedQuery } from '../db/prepared.ts';
import type { AuditOutcome, Database, NewAuditEntry } from '../db/schema.ts';

export type AuditEvent = 'login.validate' | 'login.exchange' | 'login.burned' | 'logout';

/** Who asked: the phone page, the desk reader, the kiosk screen, or the command line. */
export type AuditSource = 'phone' | 'desk-reader' | 'kiosk' | 'cli';

export interface AuditEntry {
  event: AuditEvent;
  outcome: AuditOutcome;
  reason?: string | null;
  source?: AuditSource;
  clientAddress?: string | null;
  kioskId?: number | null;
  userId?: number | null;
  badgeId?: number | null;
  badgeUid?: string | null;
  loginSessionId?: string | null;
}

const insert = preparedQuery<Database, NewAuditEntry, never>(
  ['at', 'event', 'outcome', 'reason', 'source', 'client_address', 'kiosk_id', 'user_id', 'badge_id', 'badge_uid', 'login_session_id'],
  (db, row) => db.insertInto('audit_log').values(row),
);

export async function recordAudit(db: TapinDb, at: number, entry: AuditEntry): Promise<void> {
  await insert(db, {
    at,
    event: entry.event,
    outcome: entry.outcome,
    reason: entry.reason ?? null,
    source: entry.source ?? null,
    client_address: entry.clientAddress ?? null,
    kiosk_id: entry.kioskId ?? null,
    user_id: entry.userId ?? null,
    badge_id: entry.badgeId ?? null,
    badge_uid: entry.badgeUid ?? null,
    login_session_id: entry.loginSessionId ?? null,
  });
}

export interface LastLogin {
  at: number;
  kiosk_name: string | null;
  kiosk_location: string | null;
}

/** When and where a user last finished logging in (their last successful exchange). */
export async function findLastLogin(db: TapinDb, userId: number): Promise<LastLogin | undefined> {
  return db
    .selectFrom('audit_log')
    .leftJoin('kiosks', 'kiosks.id', 'audit_log.kiosk_id')
    .select(['audit_log.at', 'kiosks.name as kiosk_name', 'kiosks.location as kiosk_location'])
    .where('audit_log.user_id', '=', userId)
    .where('audit_log.event', '=', 'login.exchange')
    .where('audit_log.outcome', '=', 'success')
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
