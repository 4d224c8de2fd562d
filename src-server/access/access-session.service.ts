import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.repository.ts';
import { hashSecret, randomToken } from '../crypto.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { isoTime } from '../sessions/login-session.view.ts';
import { toPublicUser, type PublicUser } from '../users/user.service.ts';
import { kioskChannel } from '../realtime/event-bus.ts';
import { findLiveAccessAtKiosk, findLiveAccessSession, insertAccessSession, revokeAccessSession, type LiveAccessSession } from './access-session.repository.ts';

export interface IssuedAccess {
  accessToken: string;
  expiresAt: string;
}

const unauthenticated = () => new AppError('UNAUTHENTICATED', 'a valid access token is required (Authorization: Bearer <access token>)');

export function accessSessionService({ db, clock, config, bus }: Pick<Deps, 'db' | 'clock' | 'config' | 'bus'>) {
  async function live(accessToken: string | undefined): Promise<LiveAccessSession> {
    const session = accessToken ? await findLiveAccessSession(db, hashSecret(accessToken), clock.now()) : undefined;
    if (!session) throw unauthenticated();
    return session;
  }

  /** Ends an access session, writes it down, and tells its kiosk screen (which may not have asked). */
  async function end(session: LiveAccessSession, context: { source: 'kiosk' | 'desk-reader'; clientAddress?: string }): Promise<void> {
    const now = clock.now();
    if (!(await revokeAccessSession(db, session.id, now))) return;
    await recordAudit(db, now, {
      event: 'logout',
      outcome: 'success',
      source: context.source,
      clientAddress: context.clientAddress ?? null,
      kioskId: session.kiosk_id,
      userId: session.user_id,
    });
    if (session.kiosk_id !== null) bus.publish(kioskChannel(session.kiosk_id), { type: 'signedOut', userId: session.user_id });
  }

  return Object.freeze({
    /** Opens an access session for a user; the token is returned once and stored only as a hash. */
    async issue(
      input: { userId: number; kioskId: number | null; loginSessionId: string | null; pinConfirmedAt?: number | null },
      tx = db,
    ): Promise<IssuedAccess> {
      const accessToken = randomToken();
      const now = clock.now();
      const expiresAt = now + config.accessTtlSeconds * 1000;
      await insertAccessSession(tx, {
        id: randomUUID(),
        tokenHash: hashSecret(accessToken),
        userId: input.userId,
        kioskId: input.kioskId,
        loginSessionId: input.loginSessionId,
        now,
        expiresAt,
        pinConfirmedAt: input.pinConfirmedAt ?? null,
      });
      return { accessToken, expiresAt: isoTime(expiresAt) };
    },

    async me(accessToken: string | undefined): Promise<PublicUser> {
      const session = await live(accessToken);
      return toPublicUser({ id: session.user_id, display_name: session.display_name, role: session.role });
    },

    async logout(accessToken: string | undefined, context: { clientAddress?: string }): Promise<void> {
      await end(await live(accessToken), { source: 'kiosk', clientAddress: context.clientAddress });
    },

    /** Who is signed in at a kiosk now, if anyone. */
    liveAtKiosk: (kioskId: number) => findLiveAccessAtKiosk(db, kioskId, clock.now()),

    end,
  });
}

export type AccessSessionService = ReturnType<typeof accessSessionService>;
