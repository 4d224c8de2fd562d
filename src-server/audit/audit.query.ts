import type { TapinDb } from '../db/open.ts';
import type { AuditOutcome } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { isoTime } from '../sessions/login-session.view.ts';

export interface AuditFilter {
  userId?: number;
  kioskId?: number;
  badgeId?: number;
  outcome?: AuditOutcome;
  /** An event name, or a family of them: `login` matches `login.validate`, `login.pin`… */
  event?: string;
  /** ISO times, inclusive `from`, exclusive `to`. */
  from?: string;
  to?: string;
}

export interface AuditItem {
  id: number;
  at: string;
  event: string;
  outcome: AuditOutcome;
  reason: string | null;
  source: string | null;
  clientAddress: string | null;
  user: { id: number; displayName: string | null } | null;
  kiosk: { id: number; name: string | null } | null;
  badge: { id: number | null; uid: string | null } | null;
  actor: { id: number; displayName: string | null } | null;
  loginSessionId: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditPage {
  items: AuditItem[];
  /** Pass it back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

function parseTime(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new AppError('INVALID_REQUEST', `${name} must be an ISO date or time, got "${raw.slice(0, 40)}"`);
  return ms;
}

// The cursor is the id of the last row seen, opaque to clients so that its form can change.
const encodeCursor = (id: number) => Buffer.from(`a${id}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^a(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new AppError('INVALID_REQUEST', 'cursor is not one this server gave out');
  return Number(match[1]);
}

function filtered(db: TapinDb, filter: AuditFilter) {
  const from = parseTime('from', filter.from);
  const to = parseTime('to', filter.to);
  let query = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .leftJoin('users as actor', 'actor.id', 'a.actor_user_id')
    .leftJoin('kiosks as k', 'k.id', 'a.kiosk_id')
    .selectAll('a')
    .select(['u.display_name as user_name', 'actor.display_name as actor_name', 'k.name as kiosk_name']);
  if (filter.userId !== undefined) {
    const userId = filter.userId;
    query = query.where((eb) => eb.or([eb('a.user_id', '=', userId), eb('a.actor_user_id', '=', userId)]));
  }
  if (filter.kioskId !== undefined) query = query.where('a.kiosk_id', '=', filter.kioskId);
  if (filter.badgeId !== undefined) query = query.where('a.badge_id', '=', filter.badgeId);
  if (filter.outcome !== undefined) query = query.where('a.outcome', '=', filter.outcome);
  if (filter.event !== undefined) {
    const event = filter.event;
    query = query.where((eb) => eb.or([eb('a.event', '=', event), eb('a.event', 'like', `${event.replace(/[\\%_]/g, '')}.%`)]));
  }
  if (from !== undefined) query = query.where('a.at', '>=', from);
  if (to !== undefined) query = query.where('a.at', '<', to);
  return query;
}

type Row = Awaited<ReturnType<ReturnType<typeof filtered>['execute']>>[number];

function toItem(row: Row): AuditItem {
  return {
    id: row.id,
    at: isoTime(row.at),
    event: row.event,
    outcome: row.outcome,
    reason: row.reason,
    source: row.source,
    clientAddress: row.client_address,
    user: row.user_id === null ? null : { id: row.user_id, displayName: row.user_name },
    kiosk: row.kiosk_id === null ? null : { id: row.kiosk_id, name: row.kiosk_name },
    badge: row.badge_id === null && row.badge_uid === null ? null : { id: row.badge_id, uid: row.badge_uid },
    actor: row.actor_user_id === null ? null : { id: row.actor_user_id, displayName: row.actor_name },
    loginSessionId: row.login_session_id,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
  };
}

/** One page of the audit log, newest first. */
export async function queryAudit(db: TapinDb, filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<AuditPage> {
  let query = filtered(db, filter);
  if (page.cursor !== undefined) query = query.where('a.id', '<', decodeCursor(page.cursor));
  const rows = await query.orderBy('a.id', 'desc').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit).map(toItem);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.id) : null };
}

const CSV_COLUMNS = ['id', 'at', 'event', 'outcome', 'reason', 'source', 'client_address', 'user_id', 'user', 'kiosk_id', 'kiosk', 'badge_id', 'badge_uid', 'actor_id', 'actor', 'login_session_id', 'details'];

/** One CSV cell: quoted when needed, and never something a spreadsheet would run as a formula. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Throws INVALID_REQUEST for a filter that cannot be run; call it before a response starts streaming. */
export function checkAuditFilter(filter: AuditFilter): void {
  parseTime('from', filter.from);
  parseTime('to', filter.to);
}

/** The filtered log as CSV, oldest first, read in batches so that a large export never holds the server. */
export async function* auditCsv(db: TapinDb, filter: AuditFilter): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  let after = 0;
  for (;;) {
    const rows = await filtered(db, filter).where('a.id', '>', after).orderBy('a.id').limit(1_000).execute();
    if (rows.length === 0) return;
    yield rows
      .map((row) =>
        [
          row.id,
          isoTime(row.at),
          row.event,
          row.outcome,
          row.reason,
          row.source,
          row.client_address,
          row.user_id,
          row.user_name,
          row.kiosk_id,
          row.kiosk_name,
          row.badge_id,
          row.badge_uid,
          row.actor_user_id,
          row.actor_name,
          row.login_session_id,
          row.details,
        ]
          .map(cell)
          .join(','),
      )
      .map((line) => `${line}\r\n`)
      .join('');
    after = rows.at(-1)?.id ?? after;
  }
}
