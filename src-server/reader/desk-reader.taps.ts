import { recordAudit } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { isAppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { BadgeTap, TapOutcome } from './reader-protocol.ts';

/**
 * What a tap on the desk reader means for the kiosk it is attached to:
 * - nobody signed in there: the badge validates the kiosk's newest waiting session, through the very
 *   rules the phone's validation uses (tap-in, audited as "desk-reader");
 * - its own user signed in: that user is signed out (tap-out);
 * - someone else signed in: the badge's user signs in through the waiting session the dashboard keeps
 *   ready, then the previous user is signed out (tap-over).
 * A tap with nothing to act on is ignored.
 */
export function tapsAtKiosk({ db, clock }: Pick<Deps, 'db' | 'clock'>, services: Services, kioskId: number): (tap: BadgeTap) => Promise<TapOutcome> {
  async function tapIn(tap: BadgeTap): Promise<TapOutcome> {
    try {
      await services.loginSessions.validateAtKiosk(kioskId, { uid: tap.uid, secret: tap.secret }, { source: 'desk-reader' });
      return 'accepted';
    } catch (error) {
      if (isAppError(error) && (error.code === 'BADGE_REJECTED' || error.code === 'INVALID_REQUEST')) return 'rejected';
      if (isAppError(error)) return 'ignored';
      throw error;
    }
  }

  return async (tap) => {
    const signedIn = await services.access.liveAtKiosk(kioskId);
    if (!signedIn) return tapIn(tap);

    const identified = await services.badges.identify({ uid: tap.uid, secret: tap.secret }).catch(() => undefined);
    if (!identified?.ok) {
      await recordAudit(db, clock.now(), {
        event: 'login.validate',
        outcome: 'failure',
        reason: identified?.rejection ?? 'invalid_uid',
        source: 'desk-reader',
        kioskId,
        userId: identified?.badge?.user_id ?? null,
        badgeId: identified?.badge?.id ?? null,
        badgeUid: tap.uid,
      });
      return 'rejected';
    }
    if (identified.badge.user_id === signedIn.user_id) {
      await services.access.end(signedIn, { source: 'desk-reader' });
      return 'accepted';
    }
    const outcome = await tapIn(tap);
    if (outcome === 'accepted') await services.access.end(signedIn, { source: 'desk-reader' });
    return outcome;
  };
}
