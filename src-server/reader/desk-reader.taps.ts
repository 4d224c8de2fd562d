import { isAppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { BadgeTap, TapOutcome } from './reader-protocol.ts';

/**
 * What a tap on the desk reader means for the kiosk it is attached to: on the login screen, the badge
 * validates that kiosk's newest waiting session through the very rules the phone's validation uses
 * (audited as "desk-reader"). A tap with no session waiting does nothing.
 */
export function tapsAtKiosk(services: Services, kioskId: number): (tap: BadgeTap) => Promise<TapOutcome> {
  return async (tap) => {
    try {
      await services.loginSessions.validateAtKiosk(kioskId, { uid: tap.uid, secret: tap.secret }, { source: 'desk-reader' });
      return 'accepted';
    } catch (error) {
      if (isAppError(error) && (error.code === 'BADGE_REJECTED' || error.code === 'INVALID_REQUEST')) return 'rejected';
      if (isAppError(error)) return 'ignored';
      throw error;
    }
  };
}
