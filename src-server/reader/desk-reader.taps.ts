import { recordAudit } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AppError, isAppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { PresentedBadge } from '../sessions/login-session.service.ts';
import type { BadgeTap, TapOutcome } from './reader-protocol.ts';

/** What a tap did at the kiosk: who signed in, or who signed out. */
export interface KioskTapResult {
  outcome: 'signed_in' | 'signed_out';
  user: { displayName: string };
}

/** Where the tap was read: the reader on the server's machine, or one at the kiosk reporting over HTTP. */
export interface TapContext {
  source: 'desk-reader' | 'reader-agent';
  clientAddress?: string;
}

/** A tap where no session was waiting to be signed into (a race with another validation counts as none). */
const nothingWaiting = () => new AppError('SESSION_NOT_FOUND', 'no login session is waiting at this kiosk');

/**
 * What a badge tapped at a kiosk's desk reader means for that kiosk, wherever the reader is plugged in:
 * - nobody signed in there: the badge validates the kiosk's newest waiting session, through the very
 *   rules the phone's validation uses (tap-in);
 * - its own user signed in: that user is signed out (tap-out);
 * - someone else signed in: the badge's user signs in through the waiting session the dashboard keeps
 *   ready, then the previous user is signed out (tap-over).
 * Throws BADGE_REJECTED for a refused badge and SESSION_NOT_FOUND when there is nothing to sign into.
 */
export function tapAtKiosk({ db, clock }: Pick<Deps, 'db' | 'clock'>, services: Services, kioskId: number, context: TapContext) {
  async function tapIn(badge: PresentedBadge): Promise<KioskTapResult> {
    try {
      const validated = await services.loginSessions.validateAtKiosk(kioskId, badge, context);
      return { outcome: 'signed_in', user: validated.user };
    } catch (error) {
      if (isAppError(error) && (error.code === 'SESSION_NOT_PENDING' || error.code === 'SESSION_EXPIRED')) throw nothingWaiting();
      throw error;
    }
  }

  return async (badge: PresentedBadge): Promise<KioskTapResult> => {
    const signedIn = await services.access.liveAtKiosk(kioskId);
    if (!signedIn) return tapIn(badge);

    const identified = await services.badges.identify(badge).catch(() => undefined);
    if (!identified?.ok) {
      await recordAudit(db, clock.now(), {
        event: 'login.validate',
        outcome: 'failure',
        reason: identified?.rejection ?? 'invalid_uid',
        source: context.source,
        clientAddress: context.clientAddress ?? null,
        kioskId,
        userId: identified?.badge?.user_id ?? null,
        badgeId: identified?.badge?.id ?? null,
        badgeUid: badge.uid,
      });
      throw new AppError('BADGE_REJECTED', 'this badge cannot log in');
    }
    if (identified.badge.user_id === signedIn.user_id) {
      await services.access.end(signedIn, context);
      return { outcome: 'signed_out', user: { displayName: signedIn.display_name } };
    }
    const result = await tapIn(badge);
    await services.access.end(signedIn, context);
    return result;
  };
}

/** A refusal the reader shows as such (red light); anything else that went wrong had nothing to act on. */
export const rejectedTap = (error: unknown): boolean => isAppError(error) && (error.code === 'BADGE_REJECTED' || error.code === 'INVALID_REQUEST');

/** The desk reader plugged into the server itself (`serve --reader`): taps at its kiosk, audited as "desk-reader". */
export function tapsAtKiosk(deps: Pick<Deps, 'db' | 'clock'>, services: Services, kioskId: number): (tap: BadgeTap) => Promise<TapOutcome> {
  const tapped = tapAtKiosk(deps, services, kioskId, { source: 'desk-reader' });
  return async (tap) => {
    try {
      await tapped({ uid: tap.uid, secret: tap.secret });
      return 'accepted';
    } catch (error) {
      if (rejectedTap(error)) return 'rejected';
      if (isAppError(error)) return 'ignored';
      throw error;
    }
  };
}
