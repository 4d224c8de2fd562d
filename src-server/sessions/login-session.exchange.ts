import type { AccessSessionService, IssuedAccess } from '../access/access-session.service.ts';
import { transact } from '../db/dialect.ts';
import { findLastLogin, recordAudit, type AuditEntry } from '../audit/audit.repository.ts';
import type { LoginSessionRow, UserRow } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { checkUserPin } from '../users/pin-check.ts';
import { MAX_PIN_ATTEMPTS } from '../users/pin.ts';
import { findUser } from '../users/user.repository.ts';
import { toPublicUser, type PublicUser } from '../users/user.service.ts';
import { abandonLoginSession, markConsumed, takePinAttempt } from './login-session.repository.ts';
import { effectiveStatus, isoTime } from './login-session.view.ts';

export interface ExchangeResult extends IssuedAccess {
  user: PublicUser;
  /** The login before this one, for the dashboard's "last login" line; null on a first login. */
  previousLogin: { at: string; kiosk: { name: string; location: string | null } | null } | null;
}

export interface ExchangeContext {
  /** The PIN the person typed on the kiosk, for users who have one. */
  pin?: string;
  clientAddress?: string;
}

interface ExchangeParts {
  access: AccessSessionService;
  /** The session a kiosk may see (right id and kioskSecret), else SESSION_NOT_FOUND. */
  forKiosk(id: string, kioskSecret: string | undefined): Promise<LoginSessionRow>;
  /** The session has ended or changed: stop its expiry timer and tell whoever follows it. */
  ended(row: LoginSessionRow): void;
}

type AuditContext = Omit<AuditEntry, 'outcome'>;

const notWaiting = () => new AppError('SESSION_NOT_AUTHENTICATED', 'this login session is not waiting to be exchanged');

/**
 * The last step of a login: an authenticated session becomes the user's access token, exactly once.
 * For a user with a PIN this is also the PIN step: no token exists before the right PIN. Each try takes
 * one of the session's MAX_PIN_ATTEMPTS first (so parallel guesses cannot exceed it); the last wrong
 * one ends the session, and wrong PINs in a row across sessions lock the PIN (pin-check.ts).
 */
export function loginSessionExchange({ db, clock }: Pick<Deps, 'db' | 'clock'>, { access, forKiosk, ended }: ExchangeParts) {
  async function endSession(id: string, audit: AuditContext, reason: string): Promise<void> {
    const abandoned = await abandonLoginSession(db, id);
    await recordAudit(db, clock.now(), { ...audit, event: 'login.burned', outcome: 'failure', reason });
    if (abandoned) ended(abandoned);
  }

  async function pinStep(row: LoginSessionRow, user: UserRow, pin: string | undefined, audit: AuditContext): Promise<void> {
    if (pin === undefined || pin === '') throw new AppError('PIN_REQUIRED', 'this user has a PIN: send it with the exchange ({"pin": "…"})');
    const attempt = await takePinAttempt(db, row.id, MAX_PIN_ATTEMPTS, clock.now());
    if (attempt === undefined) throw notWaiting();
    const check = await checkUserPin(db, user.id, pin);
    if (check.ok || check.reason === 'no_pin') {
      await recordAudit(db, clock.now(), { ...audit, event: 'login.pin', outcome: 'success' });
      return;
    }
    await recordAudit(db, clock.now(), { ...audit, event: 'login.pin', outcome: 'failure', reason: check.reason });
    if (check.reason === 'pin_locked') {
      await endSession(row.id, audit, 'pin_locked');
      throw new AppError('PIN_LOCKED', 'this PIN is locked after too many wrong tries; an administrator must set a new one');
    }
    const left = MAX_PIN_ATTEMPTS - attempt;
    if (left === 0) await endSession(row.id, audit, 'too_many_wrong_pins');
    throw new AppError('PIN_REJECTED', left === 0 ? 'wrong PIN; this sign-in has ended, start again' : `wrong PIN; ${left} ${left === 1 ? 'try' : 'tries'} left`);
  }

  return async function exchange(id: string, kioskSecret: string | undefined, context: ExchangeContext): Promise<ExchangeResult> {
    const row = await forKiosk(id, kioskSecret);
    if (effectiveStatus(row, clock.now()) !== 'authenticated' || row.user_id === null) throw notWaiting();
    const userId = row.user_id;
    const audit = {
      event: 'login.exchange',
      source: 'kiosk',
      clientAddress: context.clientAddress,
      kioskId: row.kiosk_id,
      userId,
      badgeId: row.badge_id,
      loginSessionId: id,
    } as const;
    const user = await findUser(db, userId);
    if (!user || user.disabled_at !== null) {
      // Disabled between the badge and the exchange: the session ends here rather than lingering.
      const abandoned = await abandonLoginSession(db, id);
      await recordAudit(db, clock.now(), { ...audit, outcome: 'failure', reason: 'user_disabled' });
      if (abandoned) ended(abandoned);
      throw notWaiting();
    }
    // Whether a PIN is due is the user's state now, not when the badge was read.
    const withPin = user.pin_hash !== null;
    if (withPin) await pinStep(row, user, context.pin, audit);

    const previous = await findLastLogin(db, userId);
    const now = clock.now();
    const result = await transact(db, async (tx) => {
      const consumed = await markConsumed(tx, id, now);
      if (!consumed) return undefined;
      const issued = await access.issue({ userId, kioskId: row.kiosk_id, loginSessionId: id, pinConfirmedAt: withPin ? now : null }, tx);
      await recordAudit(tx, now, { ...audit, outcome: 'success' });
      return { consumed, issued };
    });
    if (!result) throw notWaiting();
    ended(result.consumed);
    return {
      ...result.issued,
      user: toPublicUser(user),
      previousLogin: previous
        ? { at: isoTime(previous.at), kiosk: previous.kiosk_name === null ? null : { name: previous.kiosk_name, location: previous.kiosk_location } }
        : null,
    };
  };
}
