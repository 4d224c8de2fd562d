import { BADGE_UID_RULE, normalizeBadgeUid } from '../badges/badge-uid.ts';
import type { Role } from '../db/schema.ts';
import { isAppError } from '../errors.ts';
import { cleanName, ROLES } from '../users/user.service.ts';
import type { PeopleCsvRow } from './people-csv.ts';

/** A user as an import sees them. */
export interface KnownPerson {
  id: number;
  displayName: string;
  role: Role;
  disabled: boolean;
  externalId: string | null;
}

/** What the database holds, read once (inside the import's transaction when it applies). */
export interface PeopleSnapshot {
  users: KnownPerson[];
  /** The badge that is active for each UID, and whose it is. */
  activeBadges: Map<string, number>;
  /** UIDs whose every badge is revoked. */
  revokedUids: Set<string>;
}

export type RowOutcome = 'create' | 'update' | 'unchanged' | 'refused';
export type PersonChange = 'externalId' | 'name' | 'role' | 'disabled' | 'badge';

export interface RowReport {
  line: number;
  externalId: string | null;
  outcome: RowOutcome;
  /** For create and update: what this row changes. */
  changes?: PersonChange[];
  /** The existing user the row is about. */
  userId?: number;
  reason?: string;
}

/** What one person of the file becomes. */
export interface PersonPlan {
  existing?: KnownPerson;
  externalId: string | null;
  displayName: string;
  role: Role;
  disabled: boolean;
  firstLine: number;
  badges: { uid: string; label: string | null }[];
  rows: RowReport[];
}

export interface ImportPlan {
  rows: RowReport[];
  /** People with at least one accepted row, in the order the file first names them. */
  people: PersonPlan[];
  /** Users the file does not name: an import never touches them. */
  notInFile: number;
}

export const EXTERNAL_ID_MAX = 64;
const TRUE = new Set(['true', 'yes', '1']);
const FALSE = new Set(['false', 'no', '0']);

class Refusal extends Error {}
const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

function checked<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isAppError(error)) refuse(error.message);
    throw error;
  }
}

const quoted = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
const whoIs = (person: KnownPerson) => `${person.displayName} (${person.externalId === null ? `user id ${person.id}` : `external_id ${person.externalId}`})`;

/** The cells of one row, each checked on its own. */
function readCells(row: PeopleCsvRow) {
  if (row.shapeProblem) refuse(row.shapeProblem);
  const c = row.cells;
  const externalId = c.external_id || null;
  if (externalId !== null) {
    if (externalId.length > EXTERNAL_ID_MAX) refuse(`external_id is longer than ${EXTERNAL_ID_MAX} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(externalId)) refuse('external_id holds control characters');
  }
  if (c.id && !/^\d{1,15}$/.test(c.id)) refuse(`id ${quoted(c.id)} is not a TapIn user id (leave it empty for new people)`);
  const id = c.id ? Number(c.id) : undefined;
  const name = c.name ? checked(() => cleanName(c.name ?? '', 'name')) : undefined;
  const roleCell = c.role?.toLowerCase();
  if (roleCell && !(ROLES as readonly string[]).includes(roleCell)) refuse(`role ${quoted(c.role ?? '')} is not one of ${ROLES.join(', ')}`);
  const role = (roleCell || undefined) as Role | undefined;
  const disabledCell = c.disabled?.toLowerCase() ?? '';
  if (disabledCell && !TRUE.has(disabledCell) && !FALSE.has(disabledCell)) refuse(`disabled ${quoted(c.disabled ?? '')} is not true or false`);
  const disabled = disabledCell ? TRUE.has(disabledCell) : undefined;
  let uid: string | undefined;
  if (c.badge_uid) {
    uid = normalizeBadgeUid(c.badge_uid);
    if (uid === undefined) refuse(`badge_uid ${quoted(c.badge_uid)} is not a badge UID: ${BADGE_UID_RULE}`);
  }
  if (c.badge_label && uid === undefined) refuse('badge_label is set but badge_uid is empty');
  const label = c.badge_label ? checked(() => cleanName(c.badge_label ?? '', 'badge_label')) : null;
  return { externalId, id, name, role, disabled, uid, label };
}

/**
 * Decides, without writing anything, what importing these rows does to these people. Rows are read in
 * file order; a refused row changes nothing, and the first accepted row of a person sets their name,
 * role and disabled state (an empty cell keeps what TapIn has, or the default for a new person):
 * their later rows may leave those cells empty or repeat them, and are refused if they contradict them.
 */
export function planImport(snapshot: PeopleSnapshot, rows: PeopleCsvRow[]): ImportPlan {
  const usersById = new Map(snapshot.users.map((u) => [u.id, u]));
  const usersByExternalId = new Map(snapshot.users.filter((u) => u.externalId !== null).map((u) => [u.externalId as string, u]));
  const plannedByExternalId = new Map<string, PersonPlan>();
  const plannedByUserId = new Map<number, PersonPlan>();
  const plannedBadges = new Map<string, { line: number; person: PersonPlan }>();
  const named = new Set<number>();
  const people: PersonPlan[] = [];
  const reports: RowReport[] = [];

  for (const row of rows) {
    const report: RowReport = { line: row.line, externalId: row.cells.external_id || null, outcome: 'refused' };
    reports.push(report);
    try {
      const cells = readCells(row);
      let person = cells.externalId === null ? undefined : plannedByExternalId.get(cells.externalId);
      let existing = person?.existing;
      if (person) {
        if (cells.id !== undefined && existing?.id !== cells.id) refuse(`external_id ${cells.externalId} is not user id ${cells.id} (line ${person.firstLine})`);
      } else {
        const byExternalId = cells.externalId === null ? undefined : usersByExternalId.get(cells.externalId);
        const byId = cells.id === undefined ? undefined : usersById.get(cells.id);
        if (cells.id !== undefined && !byId) refuse(`no user with id ${cells.id}`);
        if (byExternalId && byId && byExternalId.id !== byId.id) refuse(`external_id ${cells.externalId} is ${whoIs(byExternalId)}, not user id ${byId.id}`);
        existing = byExternalId ?? byId;
        if (existing) {
          named.add(existing.id);
          report.userId = existing.id;
          if (cells.externalId !== null && existing.externalId !== null && existing.externalId !== cells.externalId) {
            refuse(`user id ${existing.id} already has the external_id ${existing.externalId}`);
          }
          person = plannedByUserId.get(existing.id);
        } else if (cells.externalId === null) {
          refuse('external_id is empty');
        }
      }
      if (existing) report.userId = existing.id;

      const fresh = person === undefined;
      if (!person) {
        if (!existing && cells.name === undefined) refuse('name is empty (a new person needs one)');
        person = {
          ...(existing ? { existing } : {}),
          externalId: cells.externalId ?? existing?.externalId ?? null,
          displayName: cells.name ?? existing?.displayName ?? '',
          role: cells.role ?? existing?.role ?? 'user',
          disabled: cells.disabled ?? existing?.disabled ?? false,
          firstLine: row.line,
          badges: [],
          rows: [],
        };
      } else {
        const differs = (what: string, given: unknown, planned: unknown) => {
          if (given !== undefined && given !== planned) refuse(`${what} ${JSON.stringify(given)} differs from line ${person?.firstLine} (${JSON.stringify(planned)}) for the same person`);
        };
        differs('external_id', cells.externalId ?? undefined, person.externalId);
        differs('name', cells.name, person.displayName);
        differs('role', cells.role, person.role);
        differs('disabled', cells.disabled, person.disabled);
      }

      let enroll = false;
      if (cells.uid !== undefined) {
        const earlier = plannedBadges.get(cells.uid);
        if (earlier) {
          refuse(`badge_uid ${cells.uid} is already on line ${earlier.line}${earlier.person === person ? '' : ` for ${earlier.person.externalId === null ? earlier.person.displayName : `external_id ${earlier.person.externalId}`}`}`);
        }
        const holderId = snapshot.activeBadges.get(cells.uid);
        if (holderId !== undefined && holderId !== existing?.id) {
          const holder = usersById.get(holderId);
          refuse(`badge_uid ${cells.uid} is already enrolled for ${holder ? whoIs(holder) : `user id ${holderId}`}`);
        }
        if (holderId === undefined && snapshot.revokedUids.has(cells.uid)) {
          refuse(`badge_uid ${cells.uid} was revoked; if it was found, enroll it again by hand (tapin badge add)`);
        }
        enroll = holderId === undefined;
      }

      const changes: PersonChange[] = [];
      if (fresh) {
        if (existing) {
          if (person.externalId !== existing.externalId) changes.push('externalId');
          if (person.displayName !== existing.displayName) changes.push('name');
          if (person.role !== existing.role) changes.push('role');
          if (person.disabled !== existing.disabled) changes.push('disabled');
        }
        people.push(person);
        if (person.externalId !== null) plannedByExternalId.set(person.externalId, person);
        if (existing) plannedByUserId.set(existing.id, person);
      }
      if (cells.uid !== undefined) {
        plannedBadges.set(cells.uid, { line: row.line, person });
        if (enroll) {
          person.badges.push({ uid: cells.uid, label: cells.label });
          changes.push('badge');
        }
      }
      report.outcome = !existing ? 'create' : changes.length > 0 ? 'update' : 'unchanged';
      if (report.outcome !== 'unchanged') report.changes = changes;
      person.rows.push(report);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      report.reason = error.message;
    }
  }

  keepAnAdministrator(snapshot, people);
  const accepted = people.filter((person) => person.rows.some((r) => r.outcome !== 'refused'));
  return { rows: reports, people: accepted, notInFile: snapshot.users.filter((u) => !named.has(u.id)).length };
}

/** An import may not leave TapIn without an active administrator: the rows that would are refused. */
function keepAnAdministrator(snapshot: PeopleSnapshot, people: PersonPlan[]): void {
  const activeAdmin = (p: { role: Role; disabled: boolean }) => p.role === 'admin' && !p.disabled;
  if (!snapshot.users.some(activeAdmin)) return;
  const planned = new Map(people.filter((p) => p.existing).map((p) => [p.existing?.id, p]));
  const after = [...snapshot.users.map((u) => planned.get(u.id) ?? u), ...people.filter((p) => !p.existing)];
  if (after.some(activeAdmin)) return;
  for (const person of people) {
    if (!person.existing || !activeAdmin(person.existing)) continue;
    person.badges = [];
    for (const row of person.rows) {
      row.outcome = 'refused';
      delete row.changes;
      row.reason = `${person.existing.displayName} is the last active administrator; this file would leave TapIn without one`;
    }
  }
}
