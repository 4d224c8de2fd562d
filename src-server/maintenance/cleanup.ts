import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { pruneAuditLog } from '../audit/audit-integrity.ts';
import type { Deps } from '../deps.ts';
import { deletePairingsBefore } from '../pairing/pairing.repository.ts';
import { PAIRING_RETENTION_MS } from '../pairing/pairing.service.ts';
import { loginSessionChannel } from '../realtime/event-bus.ts';
import { overAt } from '../sessions/login-session.lifetime.ts';
import { toLoginSessionView } from '../sessions/login-session.view.ts';

/** The settings row naming the last cleanup tick an instance took. */
export const CLEANUP_TICK_KEY = 'cleanup.tick';

/**
 * Takes the cleanup of the tick scheduled at `tickAt` for this instance, unless another instance of the
 * site already took it (or a later one): one conditional upsert, so that of instances firing on the same
 * tick exactly one runs the cleanup. True when this one should.
 */
export async function claimCleanupTick(db: Deps['db'], tickAt: number): Promise<boolean> {
  // Fixed width, so that text order is time order in both dialects.
  const value = String(tickAt).padStart(16, '0');
  const won = await db
    .insertInto('settings')
    .values({ key: CLEANUP_TICK_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }).where('settings.value', '<', value))
    .returning('key')
    .executeTakeFirst();
  return won !== undefined;
}

export interface CleanupReport {
  expiredSessions: number;
  deletedLoginSessions: number;
  deletedAccessSessions: number;
  prunedAuditRows: number;
}

/**
 * Marks overdue login sessions expired, then deletes login and access sessions that ended more than
 * the retention period ago, deletes kiosk pairings an hour old, and prunes the audit log past its own
 * retention (from its start, behind a checkpoint, so that its hash chain stays verifiable). Works in batches and yields between them, so that a large backlog never
 * holds the event loop (or the single SQLite connection) for long.
 */
export async function runCleanup({ db, clock, bus, config }: Pick<Deps, 'db' | 'clock' | 'bus' | 'config'>): Promise<CleanupReport> {
  const batch = config.cleanupBatchSize;
  const report: CleanupReport = { expiredSessions: 0, deletedLoginSessions: 0, deletedAccessSessions: 0, prunedAuditRows: 0 };

  const now = clock.now();
  for (;;) {
    const rows = await db
      .updateTable('login_sessions')
      .set({ status: 'expired' })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('login_sessions')
          .select('id')
          .where('status', 'in', ['pending', 'authenticated'])
          .where(overAt(now))
          .limit(batch),
      )
      .returningAll()
      .execute();
    for (const row of rows) bus.publish(loginSessionChannel(row.id), { type: 'status', session: toLoginSessionView(row, now) });
    report.expiredSessions += rows.length;
    if (rows.length < batch) break;
    await yieldToEventLoop();
  }

  const cutoff = now - config.retentionSeconds * 1000;
  for (;;) {
    const result = await db
      .deleteFrom('login_sessions')
      .where('id', 'in', (eb) =>
        eb.selectFrom('login_sessions').select('id').where('expires_at', '<', cutoff).limit(batch),
      )
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    report.deletedLoginSessions += deleted;
    if (deleted < batch) break;
    await yieldToEventLoop();
  }

  for (;;) {
    const result = await db
      .deleteFrom('access_sessions')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('access_sessions')
          .select('id')
          .where((w) => w.or([w('expires_at', '<', cutoff), w('revoked_at', '<', cutoff)]))
          .limit(batch),
      )
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    report.deletedAccessSessions += deleted;
    if (deleted < batch) break;
    await yieldToEventLoop();
  }

  // Kiosk pairings are over within minutes; an hour on, the row (and any key never collected) goes.
  while ((await deletePairingsBefore(db, now - PAIRING_RETENTION_MS, batch)) === batch) await yieldToEventLoop();

  report.prunedAuditRows = await pruneAuditLog(db, now - config.auditRetentionDays * 24 * 3600 * 1000, now);
  return report;
}
