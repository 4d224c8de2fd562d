import { schedule } from 'node-cron';
import type { Deps } from '../deps.ts';
import { claimCleanupTick, runCleanup, type CleanupReport } from './cleanup.ts';

export interface CleanupScheduler {
  stop(): Promise<void>;
}

/**
 * Runs the cleanup on the configured cron schedule, never two runs at once, and on one instance per
 * tick where several serve the same site (claimCleanupTick).
 */
export function scheduleCleanup(
  deps: Pick<Deps, 'db' | 'clock' | 'bus' | 'config'>,
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
): CleanupScheduler {
  let running: Promise<CleanupReport | undefined> | undefined;
  const task = schedule(
    deps.config.cleanupCron,
    async (context) => {
      if (running) return;
      running = claimCleanupTick(deps.db, context.date.getTime())
        .then((mine) => (mine ? runCleanup(deps) : undefined))
        .then((report) => {
          if (report && report.expiredSessions + report.deletedLoginSessions + report.deletedAccessSessions > 0) log.info({ cleanup: report }, 'cleanup done');
          return report;
        })
        .catch((error: unknown) => {
          log.error({ err: error }, 'cleanup failed');
          return undefined;
        })
        .finally(() => {
          running = undefined;
        });
      await running;
    },
    { name: 'tapin-cleanup', noOverlap: true, unref: true },
  );
  return {
    async stop() {
      await task.destroy();
      await running;
    },
  };
}
