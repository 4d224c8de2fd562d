import type { TapinDb } from '../db/open.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { DeskReader } from './desk-reader.ts';

/** True while nobody can administer this TapIn: no enabled administrator exists. */
export async function needsFirstAdministrator(db: TapinDb): Promise<boolean> {
  const admin = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled_at', 'is', null).limit(1).executeTakeFirst();
  return admin === undefined;
}

/**
 * First run of a kiosk app: the next badge tapped on its desk reader becomes the administrator's.
 * Only while no administrator exists — checked again after the tap, so two claims cannot both win.
 */
export async function enrollFirstAdministrator(
  reader: Pick<DeskReader, 'captureNextTap'>,
  db: TapinDb,
  services: Services,
  input: { name?: string; timeoutMs?: number } = {},
): Promise<{ userId: number; badgeId: number; uid: string }> {
  if (!(await needsFirstAdministrator(db))) throw new AppError('FORBIDDEN', 'this TapIn already has an administrator');
  const captured = await reader.captureNextTap(input.timeoutMs ?? 120_000);
  if (!(await needsFirstAdministrator(db))) {
    await captured.finish({ outcome: 'rejected' });
    throw new AppError('FORBIDDEN', 'this TapIn already has an administrator');
  }
  try {
    const user = await services.users.add({ name: input.name ?? 'Administrator', role: 'admin' });
    const badge = await services.badges.enroll({ userId: user.id, uid: captured.tap.uid, label: 'first administrator' });
    await captured.finish({ outcome: 'accepted' });
    return { userId: user.id, badgeId: badge.id, uid: badge.uid };
  } catch (error) {
    await captured.finish({ outcome: 'rejected' });
    throw error;
  }
}
