import { confirmPin } from '../access/access-session.repository.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { checkUserPin } from './pin-check.ts';

/**
 * A signed-in user sets or changes their own PIN. Changing one needs the current PIN (wrong ones count
 * towards the lock like any other); a first PIN needs only the badge that signed them in. Either way the
 * session counts as PIN-confirmed afterwards.
 */
export async function changeOwnPin(
  { db, clock }: Pick<Deps, 'db' | 'clock'>,
  services: Services,
  accessToken: string | undefined,
  input: { pin: string; currentPin?: string },
  clientAddress?: string,
): Promise<void> {
  const session = await services.access.live(accessToken);
  const actor = { userId: session.user_id, source: 'kiosk' as const, clientAddress };
  const { pinSet } = await services.users.pinState(session.user_id);
  if (pinSet) {
    if (input.currentPin === undefined) throw new AppError('PIN_REQUIRED', 'give your current PIN (currentPin) to change it');
    const check = await checkUserPin(db, session.user_id, input.currentPin);
    if (!check.ok) {
      await recordAudit(db, clock.now(), { event: 'user.pin_set', outcome: 'failure', reason: check.reason, source: 'kiosk', clientAddress, userId: session.user_id, actorUserId: session.user_id });
      if (check.reason === 'pin_locked') throw new AppError('PIN_LOCKED', 'this PIN is locked after too many wrong tries; an administrator must set a new one');
      throw new AppError('PIN_REJECTED', 'the current PIN is wrong');
    }
  }
  await services.users.setPin(session.user_id, input.pin, actor);
  await confirmPin(db, session.id, clock.now());
}
