import type { TapinDb } from '../db/open.ts';
import { rulesOf } from '../db/dialect.ts';
import type { AuditOutcome } from '../db/schema.ts';

export type AuditEvent =
  | 'login.validate'
  | 'login.pin'
  | 'login.exchange'
  | 'login.burned'
  | 'logout'
  | 'admin.step_up'
  | 'user.create'
  | 'user.update'
  | 'user.disable'
  | 'user.enable'
  | 'user.pin_set'
  | 'user.pin_cleared'
  | 'badge.enroll'
  | 'badge.revoke'
  | 'people.import'
  | 'kiosk.register'
  | 'kiosk.update'
  | 'kiosk.revoke'
  | 'kiosk.pair'
  | 'access.revoke'
  | 'audit.pruned';

/**
 * Who asked: the phone page, the desk reader on the server's own machine, a desk reader at a kiosk
 * reporting over HTTP with the kiosk's key (`tapin reader`), the kiosk screen, the admin console, or the
 * command line.
 */
export type AuditSource = 'phone' | 'desk-reader' | 'reader-agent' | 'kiosk' | 'admin' | 'cli' | 'system';

/** Who made a change: an administrator in the console, or whoever runs the command line. */
export interface Actor {
  userId: number | null;
  source: AuditSource;
  clientAddress?: string;
}

export const CLI_ACTOR: Actor = { userId: null, source: 'cli' };

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
  /** The administrator who made the change. */
  actorUserId?: number | null;
  /** What changed, as a small object; never a secret. */
  details?: Record<string, unknown> | null;
}

/** Appends an entry to the audit log; its place in the hash chain is the database's to give (dialect.ts). */
export async function recordAudit(db: TapinDb, at: number, entry: AuditEntry): Promise<void> {
  await rulesOf(db).appendAudit(db, {
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
    actor_user_id: entry.actorUserId ?? null,
    details: entry.details ? JSON.stringify(entry.details) : null,
  });
}

/** Writes down a change made by an actor, with what it touched. */
export async function recordChange(
  db: TapinDb,
  at: number,
  actor: Actor,
  event: AuditEvent,
  about: Pick<AuditEntry, 'userId' | 'badgeId' | 'badgeUid' | 'kioskId' | 'details'>,
): Promise<void> {
  await recordAudit(db, at, { event, outcome: 'success', source: actor.source, clientAddress: actor.clientAddress, actorUserId: actor.userId, ...about });
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
