import { CLI_ACTOR, recordChange, type Actor } from '../audit/audit.repository.ts';
import { hashSecret, randomToken, secretMatches } from '../crypto.ts';
import { rulesOf, transact } from '../db/dialect.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { findUser } from '../users/user.repository.ts';
import { cleanName } from '../users/user.service.ts';
import { BADGE_UID_RULE, normalizeBadgeUid } from './badge-uid.ts';
import { isoTime } from '../sessions/login-session.view.ts';
import { findBadge, findBadgeForUid, insertBadge, listBadgesOfUser, revokeBadgeRow, type BadgeWithHolder } from './badge.repository.ts';

export interface EnrolledBadge {
  id: number;
  uid: string;
  /** Present only when a secret was generated; shown this once, stored only as a hash. */
  secret?: string;
}

/** Why a badge was refused; recorded in the audit log, never told to the client. */
export type BadgeRejection = 'unknown_badge' | 'revoked_badge' | 'user_disabled' | 'missing_secret' | 'wrong_secret';

// Compared against when the UID is unknown, so that every refusal costs the same hash and compare.
const DUMMY_SECRET_HASH = hashSecret('tapin-no-such-badge');

/** Decides whether a presented badge may log its holder in. */
export function judgeBadge(badge: BadgeWithHolder | undefined, secret: string | undefined): BadgeRejection | undefined {
  if (!badge) {
    secretMatches(secret ?? '', DUMMY_SECRET_HASH);
    return 'unknown_badge';
  }
  if (badge.revoked_at !== null) return 'revoked_badge';
  if (badge.disabled_at !== null) return 'user_disabled';
  if (badge.secret_hash !== null) {
    if (secret === undefined || secret === '') return 'missing_secret';
    if (!secretMatches(secret, badge.secret_hash)) return 'wrong_secret';
  }
  return undefined;
}

export function parseBadgeUid(raw: string): string {
  const uid = normalizeBadgeUid(raw);
  if (uid === undefined) throw new AppError('INVALID_REQUEST', `invalid badge UID "${raw.slice(0, 40)}": ${BADGE_UID_RULE}`);
  return uid;
}

/** A badge as the console lists it. */
export interface BadgeSummary {
  id: number;
  uid: string;
  label: string | null;
  hasSecret: boolean;
  createdAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
  /** The last time it signed someone in (from the audit log). */
  lastUsedAt: string | null;
}

export type Identified = { ok: true; badge: BadgeWithHolder } | { ok: false; rejection: BadgeRejection; badge?: BadgeWithHolder };

export function badgeService({ db, clock }: Pick<Deps, 'db' | 'clock'>) {
  return Object.freeze({
    /** Whose badge this is, by the same rules a login uses (revoked, disabled, secret). */
    async identify(presented: { uid: string; secret?: string }): Promise<Identified> {
      const badge = await findBadgeForUid(db, parseBadgeUid(presented.uid));
      const rejection = judgeBadge(badge, presented.secret);
      if (rejection || !badge) return { ok: false, rejection: rejection ?? 'unknown_badge', ...(badge ? { badge } : {}) };
      return { ok: true, badge };
    },

    /** Who holds the active badge with this UID, if anyone. */
    async activeHolder(uid: string): Promise<{ userId: number; displayName: string } | undefined> {
      const badge = await findBadgeForUid(db, parseBadgeUid(uid));
      return badge && badge.revoked_at === null ? { userId: badge.user_id, displayName: badge.display_name } : undefined;
    },

    async enroll(input: { userId: number; uid: string; withSecret?: boolean; label?: string }, actor: Actor = CLI_ACTOR): Promise<EnrolledBadge> {
      const uid = parseBadgeUid(input.uid);
      const label = input.label === undefined ? null : cleanName(input.label, 'label');
      const user = await findUser(db, input.userId);
      if (!user) throw new AppError('USER_NOT_FOUND', `no user with id ${input.userId}`);
      const secret = input.withSecret ? randomToken(16) : undefined;
      try {
        const now = clock.now();
        const row = await transact(db, async (tx) => {
          const inserted = await insertBadge(tx, { userId: user.id, uid, secretHash: secret === undefined ? null : hashSecret(secret), label, now });
          await recordChange(tx, now, actor, 'badge.enroll', { userId: user.id, badgeId: inserted.id, badgeUid: uid, details: { label, withSecret: secret !== undefined } });
          return inserted;
        });
        return secret === undefined ? { id: row.id, uid: row.uid } : { id: row.id, uid: row.uid, secret };
      } catch (error) {
        if (rulesOf(db).isUniqueViolation(error, 'badges', 'badges_active_uid', 'uid')) {
          throw new AppError('BADGE_ALREADY_ENROLLED', `badge ${uid} is already enrolled; revoke it first`);
        }
        throw error;
      }
    },

    /** Revokes a badge; revoking one already revoked answers with its original revocation time. */
    async revoke(id: number, reason?: string, actor: Actor = CLI_ACTOR): Promise<{ id: number; revokedAt: string }> {
      const now = clock.now();
      const revoked = await transact(db, async (tx) => {
        const row = await revokeBadgeRow(tx, id, now, reason ?? null);
        if (row) await recordChange(tx, now, actor, 'badge.revoke', { userId: row.user_id, badgeId: row.id, badgeUid: row.uid, details: { reason: reason ?? null } });
        return row;
      });
      const row = revoked ?? (await findBadge(db, id));
      if (!row || row.revoked_at === null) throw new AppError('BADGE_NOT_FOUND', `no badge with id ${id}`);
      return { id: row.id, revokedAt: new Date(row.revoked_at).toISOString() };
    },

    /** A user's badges, active first, each with its last use. */
    async listForUser(userId: number): Promise<BadgeSummary[]> {
      if (!(await findUser(db, userId))) throw new AppError('USER_NOT_FOUND', `no user with id ${userId}`);
      const rows = await listBadgesOfUser(db, userId);
      return rows.map((row) => ({
        id: row.id,
        uid: row.uid,
        label: row.label,
        hasSecret: row.secret_hash !== null,
        createdAt: isoTime(row.created_at),
        revokedAt: row.revoked_at === null ? null : isoTime(row.revoked_at),
        revokeReason: row.revoke_reason,
        lastUsedAt: row.last_used_at === null ? null : isoTime(row.last_used_at),
      }));
    },
  });
}

export type BadgeService = ReturnType<typeof badgeService>;
