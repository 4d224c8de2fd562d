import type { TapinDb } from '../db/open.ts';
import type { PeopleSnapshot } from './people-plan.ts';

/** Every user and every badge UID, as an import compares them with the file (a site has thousands at most). */
export async function loadPeopleSnapshot(db: TapinDb): Promise<PeopleSnapshot> {
  const users = await db.selectFrom('users').select(['id', 'display_name', 'role', 'disabled_at', 'external_id']).orderBy('id').execute();
  const badges = await db.selectFrom('badges').select(['uid', 'user_id', 'revoked_at']).execute();
  const activeBadges = new Map(badges.filter((b) => b.revoked_at === null).map((b) => [b.uid, b.user_id]));
  return {
    users: users.map((u) => ({ id: u.id, displayName: u.display_name, role: u.role, disabled: u.disabled_at !== null, externalId: u.external_id })),
    activeBadges,
    revokedUids: new Set(badges.filter((b) => b.revoked_at !== null && !activeBadges.has(b.uid)).map((b) => b.uid)),
  };
}

export interface ExportedPersonRow {
  id: number;
  external_id: string | null;
  display_name: string;
  role: 'user' | 'admin';
  disabled_at: number | null;
  uid: string | null;
  label: string | null;
}

/** Every user with each of their active badges (one row per badge; one row with no badge for a user without any). */
export async function listPeopleForExport(db: TapinDb): Promise<ExportedPersonRow[]> {
  return db
    .selectFrom('users')
    .leftJoin('badges', (join) => join.onRef('badges.user_id', '=', 'users.id').on('badges.revoked_at', 'is', null))
    .select(['users.id', 'users.external_id', 'users.display_name', 'users.role', 'users.disabled_at', 'badges.uid', 'badges.label'])
    .orderBy('users.id')
    .orderBy('badges.id')
    .execute();
}
