import type { FastifyRequest } from 'fastify';
import type { LiveAccessSession } from '../access/access-session.repository.ts';
import { confirmPin } from '../access/access-session.repository.ts';
import { recordAudit, type Actor } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { isoTime } from '../sessions/login-session.view.ts';
import { checkUserPin } from '../users/pin-check.ts';

/** How long a PIN confirmation lets an administrator make changes before the console asks again. */
export const STEP_UP_WINDOW_MS = 5 * 60 * 1000;

export interface AdminSession {
  session: LiveAccessSession;
  actor: Actor;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every admin route by the guard below. */
    admin: AdminSession | null;
  }
}

/** The administrator a guarded request belongs to (admin.routes.ts sets it). */
export function adminOf(request: FastifyRequest): AdminSession {
  if (!request.admin) throw new Error('admin route without the admin guard');
  return request.admin;
}

export interface AdminSessionView {
  user: { id: number; displayName: string; role: 'admin' };
  pinSet: boolean;
  pinLocked: boolean;
  /** Until when changes are allowed without entering the PIN again; null when they need it now. */
  stepUpValidUntil: string | null;
}

/**
 * Who may use the admin API: a live access session of an administrator (403 for anyone else); for
 * changes, one whose holder has a PIN and entered it less than five minutes ago (step-up).
 */
export function adminAccess({ db, clock }: Pick<Deps, 'db' | 'clock'>, services: Services) {
  const stepUpUntil = (session: LiveAccessSession) =>
    session.pin_confirmed_at === null ? null : session.pin_confirmed_at + STEP_UP_WINDOW_MS;

  async function authenticate(accessToken: string | undefined, clientAddress?: string): Promise<AdminSession> {
    const session = await services.access.live(accessToken);
    if (session.role !== 'admin') throw new AppError('FORBIDDEN', 'this needs an administrator');
    return { session, actor: { userId: session.user_id, source: 'admin', clientAddress } };
  }

  return Object.freeze({
    authenticate,

    /** For changes: throws PIN_NOT_SET or STEP_UP_REQUIRED unless the PIN was entered recently. */
    async requireStepUp(admin: AdminSession): Promise<void> {
      const { pinSet } = await services.users.pinState(admin.session.user_id);
      if (!pinSet) throw new AppError('PIN_NOT_SET', 'administrators must have a PIN: set yours first (PUT /api/v1/me/pin)');
      const until = stepUpUntil(admin.session);
      if (until === null || until <= clock.now()) throw new AppError('STEP_UP_REQUIRED', 'enter your PIN again to make changes (POST /api/v1/admin/step-up)');
    },

    /** Confirms the administrator's PIN for the next five minutes of changes. */
    async stepUp(admin: AdminSession, pin: string): Promise<AdminSessionView> {
      const check = await checkUserPin(db, admin.session.user_id, pin);
      const now = clock.now();
      await recordAudit(db, now, {
        event: 'admin.step_up',
        outcome: check.ok ? 'success' : 'failure',
        reason: check.ok ? null : check.reason,
        source: 'admin',
        clientAddress: admin.actor.clientAddress,
        userId: admin.session.user_id,
        kioskId: admin.session.kiosk_id,
      });
      if (!check.ok) {
        if (check.reason === 'no_pin') throw new AppError('PIN_NOT_SET', 'administrators must have a PIN: set yours first (PUT /api/v1/me/pin)');
        if (check.reason === 'pin_locked') throw new AppError('PIN_LOCKED', 'this PIN is locked after too many wrong tries; another administrator must set a new one');
        throw new AppError('PIN_REJECTED', 'wrong PIN');
      }
      await confirmPin(db, admin.session.id, now);
      return view({ ...admin.session, pin_confirmed_at: now });
    },

    view: (admin: AdminSession) => view(admin.session),
  });

  async function view(session: LiveAccessSession): Promise<AdminSessionView> {
    const until = stepUpUntil(session);
    const pin = await services.users.pinState(session.user_id);
    return {
      user: { id: session.user_id, displayName: session.display_name, role: 'admin' },
      ...pin,
      stepUpValidUntil: until !== null && until > clock.now() && pin.pinSet ? isoTime(until) : null,
    };
  }
}

export type AdminAccess = ReturnType<typeof adminAccess>;
