import type { TapinDb } from '../db/open.ts';
import type { AuditOutcome } from '../db/schema.ts';

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

export async function recordAudit(db: TapinDb, at: number, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
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
    })
    .execute();
}
