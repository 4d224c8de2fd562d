import type { AccessSessionService } from '../access/access-session.service.ts';
import { transact } from '../db/dialect.ts';
import { recordAudit, type AuditSource } from '../audit/audit.repository.ts';
import { findBadgeForUid } from '../badges/badge.repository.ts';
import { judgeBadge, parseBadgeUid } from '../badges/badge.service.ts';
import { hashSecret, randomToken, secretMatches } from '../crypto.ts';
import type { LoginSessionRow, LoginSessionStatus } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { KioskService } from '../kiosks/kiosk.service.ts';
import { loginSessionChannel, type LoginSessionEvent } from '../realtime/event-bus.ts';
import { createExpiryTimers } from './expiry-timers.ts';
import { loginSessionExchange } from './login-session.exchange.ts';
import {
  countRejectedBadge,
  findLoginSession,
  findLoginSessionWithKiosk,
  findPendingAtKiosk,
  type LoginSessionWithKiosk,
  insertLoginSession,
  countWatcher,
  markAuthenticated,
  markExpired,
} from './login-session.repository.ts';
import { loginSessionIdOfToken, newLoginSessionId, newQrToken } from './login-session.token.ts';
import { effectiveStatus, isoTime, toLoginSessionView, type LoginSessionView } from './login-session.view.ts';

/** Rejected badges one login session tolerates before it is burned. */
export const MAX_REJECTED_BADGES = 5;

export interface CreatedLoginSession extends LoginSessionView {
  status: 'pending';
  token: string;
  kioskSecret: string;
  qrPayload: string;
}

export interface InspectedLoginSession {
  status: LoginSessionStatus;
  expiresAt: string;
  kiosk: { name: string; location: string | null };
}

export interface PresentedBadge {
  uid: string;
  secret?: string;
}

/** Where a validation came from, for the audit log. */
export interface ValidationContext {
  source: AuditSource;
  clientAddress?: string;
}

export interface ValidationRequest extends ValidationContext {
  token: string;
  badge: PresentedBadge;
}

export interface ValidationResult {
  status: 'authenticated';
  user: { displayName: string };
  kiosk: { name: string };
}

const isLive = (status: LoginSessionStatus) => status === 'pending' || status === 'authenticated';

const notFound = () => new AppError('SESSION_NOT_FOUND', 'no such login session');
const expired = () => new AppError('SESSION_EXPIRED', 'this login session has expired; scan the new code on the kiosk');

interface Services {
  kiosks: KioskService;
  access: AccessSessionService;
}

export function loginSessionService(deps: Deps, { kiosks, access }: Services) {
  const { db, clock, bus, config } = deps;

  const publish = (id: string, event: LoginSessionEvent) => bus.publish(loginSessionChannel(id), event);
  const publishStatus = (row: LoginSessionRow) => publish(row.id, { type: 'status', session: toLoginSessionView(row, clock.now()) });

  /** Writes down and announces the end of watched sessions the timers found past their lifetime. */
  async function expireDue(ids: string[]): Promise<void> {
    const ended = await markExpired(db, ids, clock.now());
    for (const row of ended) publishStatus(row);
    if (ended.length === ids.length) return;
    // The clock moved back between the look and the write (or a test moved it): watch those again.
    const endedIds = new Set(ended.map((row) => row.id));
    for (const id of ids) {
      const current = endedIds.has(id) ? undefined : await findLoginSession(db, id);
      if (current && isLive(current.status)) timers.schedule(id, current);
    }
  }

  const timers = createExpiryTimers(
    () => clock.now(),
    (ids) => {
      expireDue(ids).catch(() => undefined);
    },
  );

  const exchange = loginSessionExchange(deps, {
    access,
    forKiosk: (id, kioskSecret) => forKiosk(id, kioskSecret),
    ended: (row) => {
      timers.cancel(row.id);
      publishStatus(row);
    },
  });

  /** The session a QR token names: its row found by the id in the token, the whole token checked against its hash. */
  async function forToken(token: string): Promise<LoginSessionWithKiosk> {
    const id = loginSessionIdOfToken(token);
    const row = id === undefined ? undefined : await findLoginSessionWithKiosk(db, id);
    if (!row || !secretMatches(token, row.token_hash)) throw notFound();
    return row;
  }

  /** The session a kiosk may see: right id and right kioskSecret, else not found (no hint which). */
  async function forKiosk(id: string, kioskSecret: string | undefined): Promise<LoginSessionRow> {
    const row = await findLoginSession(db, id);
    if (!row || !kioskSecret || !secretMatches(kioskSecret, row.kiosk_secret_hash)) throw notFound();
    return row;
  }

  async function rejectBadge(row: LoginSessionRow, request: ValidationContext, audit: { reason: string; badgeId: number | null; userId: number | null; uid: string }) {
    const now = clock.now();
    const counted = await countRejectedBadge(db, row.id, MAX_REJECTED_BADGES, now);
    await recordAudit(db, now, {
      event: 'login.validate',
      outcome: 'failure',
      reason: audit.reason,
      source: request.source,
      clientAddress: request.clientAddress,
      kioskId: row.kiosk_id,
      userId: audit.userId,
      badgeId: audit.badgeId,
      badgeUid: audit.uid,
      loginSessionId: row.id,
    });
    if (counted) {
      publish(row.id, {
        type: 'rejected',
        rejectedBadges: counted.rejected_badges,
        remainingAttempts: Math.max(0, MAX_REJECTED_BADGES - counted.rejected_badges),
      });
      if (counted.status === 'expired') {
        timers.cancel(row.id);
        await recordAudit(db, now, { event: 'login.burned', outcome: 'failure', reason: 'too_many_rejected_badges', kioskId: row.kiosk_id, loginSessionId: row.id });
        publishStatus({ ...row, status: 'expired' });
      }
    }
    return new AppError('BADGE_REJECTED', 'this badge cannot log in');
  }

  /** Checks a presented badge against a session and, if it is good, authenticates the session exactly once. */
  async function validateSession(row: LoginSessionWithKiosk, presented: PresentedBadge, context: ValidationContext): Promise<ValidationResult> {
    const { uid } = presented;
    const status = effectiveStatus(row, clock.now());
    if (status === 'expired') throw expired();
    if (status !== 'pending') throw new AppError('SESSION_NOT_PENDING', 'this login session has already been used');

    const badge = await findBadgeForUid(db, uid);
    const rejection = judgeBadge(badge, presented.secret);
    if (rejection || !badge) {
      throw await rejectBadge(row, context, { reason: rejection ?? 'unknown_badge', badgeId: badge?.id ?? null, userId: badge?.user_id ?? null, uid });
    }

    const now = clock.now();
    const won = await transact(db, async (tx) => {
      const updated = await markAuthenticated(tx, row.id, { userId: badge.user_id, badgeId: badge.id, pinRequired: badge.has_pin === 1, now });
      if (!updated) return undefined;
      await recordAudit(tx, now, {
        event: 'login.validate',
        outcome: 'success',
        source: context.source,
        clientAddress: context.clientAddress,
        kioskId: row.kiosk_id,
        userId: badge.user_id,
        badgeId: badge.id,
        badgeUid: uid,
        loginSessionId: row.id,
      });
      return updated;
    });
    if (!won) {
      // Another validation got there first, or the session expired in between.
      const current = await findLoginSession(db, row.id);
      if (!current || effectiveStatus(current, clock.now()) === 'expired') throw expired();
      throw new AppError('SESSION_NOT_PENDING', 'this login session has already been used');
    }
    publishStatus(won);
    return { status: 'authenticated', user: { displayName: badge.display_name }, kiosk: { name: row.kiosk_name } };
  }

  return Object.freeze({
    async create(kioskKey: string | undefined): Promise<CreatedLoginSession> {
      const kiosk = await kiosks.authenticate(kioskKey);
      const id = newLoginSessionId();
      const token = newQrToken(id);
      const kioskSecret = randomToken();
      const now = clock.now();
      const row: LoginSessionRow = {
        id,
        token_hash: hashSecret(token),
        kiosk_secret_hash: hashSecret(kioskSecret),
        kiosk_id: kiosk.id,
        status: 'pending',
        created_at: now,
        expires_at: now + config.sessionTtlSeconds * 1000,
        authenticated_at: null,
        consumed_at: null,
        user_id: null,
        badge_id: null,
        rejected_badges: 0,
        pin_required: 0,
        watchers: 0,
        pin_attempts: 0,
      };
      await insertLoginSession(db, row);
      // The token rides in the URL fragment, which browsers never send to a server or its logs.
      return { ...toLoginSessionView(row, now), status: 'pending', token, kioskSecret, qrPayload: `${deps.publicUrl()}/m#t=${token}` };
    },

    async status(id: string, kioskSecret: string | undefined): Promise<LoginSessionView> {
      return toLoginSessionView(await forKiosk(id, kioskSecret), clock.now());
    },

    /** A screen starts (+1) or stops (-1) following the session, on whichever instance: the desk reader prefers a watched one. */
    async countWatcher(id: string, change: 1 | -1): Promise<void> {
      await countWatcher(db, id, change);
    },

    /**
     * For the realtime channel: checks the kioskSecret, arms the expiry push, and returns the current view.
     * Only watched sessions get a timer; the cleanup job writes down the expiry of the others.
     */
    async watch(id: string, kioskSecret: string | undefined): Promise<LoginSessionView> {
      const row = await forKiosk(id, kioskSecret);
      const view = toLoginSessionView(row, clock.now());
      if (isLive(view.status)) timers.schedule(row.id, row);
      return view;
    },

    async inspect(token: string): Promise<InspectedLoginSession> {
      const row = await forToken(token);
      return {
        status: effectiveStatus(row, clock.now()),
        expiresAt: isoTime(row.expires_at),
        kiosk: { name: row.kiosk_name, location: row.kiosk_location },
      };
    },

    /** The phone's validation: the QR token names the session. */
    async validate(request: ValidationRequest): Promise<ValidationResult> {
      const uid = parseBadgeUid(request.badge.uid);
      const row = await forToken(request.token);
      return validateSession(row, { uid, secret: request.badge.secret }, request);
    },

    /**
     * The desk reader's validation, for the kiosk it is attached to: the newest waiting session a screen
     * watches (a page closed in a browser leaves its code pending), else the newest waiting one (a kiosk
     * client may poll instead of watching).
     */
    async validateAtKiosk(kioskId: number, presented: PresentedBadge, context: ValidationContext): Promise<ValidationResult> {
      const uid = parseBadgeUid(presented.uid);
      const pending = await findPendingAtKiosk(db, kioskId, clock.now());
      const row = pending.find((session) => bus.listening(loginSessionChannel(session.id)) || session.watchers > 0) ?? pending[0];
      if (!row) throw new AppError('SESSION_NOT_FOUND', 'no login session is waiting at this kiosk');
      return validateSession(row, { uid, secret: presented.secret }, context);
    },

    /** Trades an authenticated session for the user's access token, exactly once (after the PIN, if any). */
    exchange,

    /** Stops every expiry timer; the server calls it on shutdown. */
    stop(): void {
      timers.stopAll();
    },
  });
}

export type LoginSessionService = ReturnType<typeof loginSessionService>;
