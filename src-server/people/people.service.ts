import { recordChange, type Actor } from '../audit/audit.repository.ts';
import { transact } from '../db/dialect.ts';
import { insertBadge } from '../badges/badge.repository.ts';
import type { TapinDb } from '../db/open.ts';
import type { Deps } from '../deps.ts';
import { insertUser } from '../users/user.repository.ts';
import { parsePeopleCsv, stringifyPeopleCsv } from './people-csv.ts';
import { planImport, type ImportPlan, type PersonPlan, type RowReport } from './people-plan.ts';
import { listPeopleForExport, loadPeopleSnapshot } from './people.repository.ts';

export type ImportMode = 'preview' | 'apply';

/** What an import did (apply) or would do (preview), row by row and in total. */
export interface ImportReport {
  mode: ImportMode;
  /** People created, updated (any change, a new badge included) and found as they were. */
  created: number;
  updated: number;
  unchanged: number;
  badgesEnrolled: number;
  refused: { line: number; externalId: string | null; reason: string }[];
  /** People in TapIn that the file does not name: an import never deletes or disables anyone. */
  notInFile: number;
  rows: RowReport[];
}

interface PeopleServiceParts {
  /** Ends every access session of a user (the import disabled them). */
  endAccessOf(userId: number, actor: Actor): Promise<number>;
}

function reportOf(mode: ImportMode, plan: ImportPlan): ImportReport {
  const existing = plan.people.filter((p) => p.existing);
  const changed = (p: PersonPlan) => p.rows.some((r) => r.outcome === 'update');
  return {
    mode,
    created: plan.people.length - existing.length,
    updated: existing.filter(changed).length,
    unchanged: existing.filter((p) => !changed(p)).length,
    badgesEnrolled: plan.people.reduce((n, p) => n + p.badges.length, 0),
    refused: plan.rows.filter((r) => r.outcome === 'refused').map((r) => ({ line: r.line, externalId: r.externalId, reason: r.reason ?? '' })),
    notInFile: plan.notInFile,
    rows: plan.rows,
  };
}

/** Writes one person's plan; every change is audited as the console or the CLI would audit it. */
async function applyPerson(tx: TapinDb, now: number, actor: Actor, person: PersonPlan): Promise<number> {
  const via = { via: 'people.import', line: person.firstLine };
  const before = person.existing;
  let userId: number;
  if (!before) {
    const created = await insertUser(tx, { displayName: person.displayName, role: person.role, now, externalId: person.externalId, disabled: person.disabled });
    userId = created.id;
    await recordChange(tx, now, actor, 'user.create', {
      userId,
      details: { displayName: person.displayName, role: person.role, pinSet: false, externalId: person.externalId, disabled: person.disabled, ...via },
    });
  } else {
    userId = before.id;
    const changed: Record<string, unknown> = {};
    if (person.externalId !== before.externalId) changed.externalId = person.externalId;
    if (person.displayName !== before.displayName) changed.displayName = person.displayName;
    if (person.role !== before.role) changed.role = person.role;
    if (Object.keys(changed).length > 0) {
      await tx.updateTable('users').set({ external_id: person.externalId, display_name: person.displayName, role: person.role }).where('id', '=', userId).execute();
      await recordChange(tx, now, actor, 'user.update', {
        userId,
        details: { ...changed, previous: { externalId: before.externalId, displayName: before.displayName, role: before.role }, ...via },
      });
    }
    if (person.disabled !== before.disabled) {
      await tx.updateTable('users').set({ disabled_at: person.disabled ? now : null }).where('id', '=', userId).execute();
      await recordChange(tx, now, actor, person.disabled ? 'user.disable' : 'user.enable', { userId, details: via });
    }
  }
  for (const badge of person.badges) {
    const inserted = await insertBadge(tx, { userId, uid: badge.uid, secretHash: null, label: badge.label, now });
    await recordChange(tx, now, actor, 'badge.enroll', { userId, badgeId: inserted.id, badgeUid: badge.uid, details: { label: badge.label, withSecret: false, ...via } });
  }
  for (const row of person.rows) row.userId = userId;
  return userId;
}

/** Importing people from a CSV file (preview or apply) and exporting them in the same format. */
export function peopleService({ db, clock }: Pick<Deps, 'db' | 'clock'>, parts: PeopleServiceParts) {
  return Object.freeze({
    /**
     * Reads a people file and either reports what importing it would do (preview, nothing written) or
     * does it: refused rows are reported and skipped, and every accepted row is applied in one
     * transaction, all or nothing, along with one audit entry per change and a `people.import` summary.
     * Throws INVALID_REQUEST for a file that is not a people file at all (bad CSV, bad header).
     */
    async import(csv: string, mode: ImportMode, actor: Actor): Promise<ImportReport> {
      const rows = parsePeopleCsv(csv);
      if (mode === 'preview') return reportOf(mode, planImport(await loadPeopleSnapshot(db), rows));
      const now = clock.now();
      const { report, disabled } = await transact(db, async (tx) => {
        // Planned on what the transaction sees, so that nothing can change between the plan and the writes.
        const plan = planImport(await loadPeopleSnapshot(tx), rows);
        const newlyDisabled: number[] = [];
        for (const person of plan.people) {
          const userId = await applyPerson(tx, now, actor, person);
          if (person.disabled && person.existing && !person.existing.disabled) newlyDisabled.push(userId);
        }
        const done = reportOf(mode, plan);
        await recordChange(tx, now, actor, 'people.import', {
          details: {
            created: done.created,
            updated: done.updated,
            unchanged: done.unchanged,
            badgesEnrolled: done.badgesEnrolled,
            refused: done.refused.length,
            notInFile: done.notInFile,
            rows: rows.length,
          },
        });
        return { report: done, disabled: newlyDisabled };
      });
      // As when an administrator disables someone: whoever is signed in is signed out at once.
      for (const userId of disabled) await parts.endAccessOf(userId, actor);
      return report;
    },

    /** Every user with their active badges, in the import's format. */
    async exportCsv(): Promise<string> {
      const rows = await listPeopleForExport(db);
      return stringifyPeopleCsv(
        rows.map((row) => ({
          external_id: row.external_id ?? '',
          name: row.display_name,
          role: row.role,
          badge_uid: row.uid ?? '',
          badge_label: row.label ?? '',
          disabled: row.disabled_at === null ? 'false' : 'true',
          id: String(row.id),
        })),
      );
    },
  });
}

export type PeopleService = ReturnType<typeof peopleService>;
