import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { CLOCK_STEP_BACK_TOLERANCE_MS } from '../clock.ts';
import type { Database, LoginSessionRow } from '../db/schema.ts';

/** The wall-clock times a login session runs between. */
export type Lifetime = Pick<LoginSessionRow, 'created_at' | 'expires_at'>;


/** Whether a session is inside its lifetime at `now`: created (give or take a clock step) and not yet expired. */
export const runsAt = (session: Lifetime, now: number): boolean => session.created_at - CLOCK_STEP_BACK_TOLERANCE_MS <= now && now < session.expires_at;

// `now` may be a prepared query's slot, so SQL adds the tolerance rather than JavaScript; the cast tells
// PostgreSQL the slot is milliseconds (bigint), which it would otherwise take for an integer from the sum.
const latestCreation = (now: number) => sql<number>`cast(${now} as bigint) + ${sql.lit(CLOCK_STEP_BACK_TOLERANCE_MS)}`;

/** runsAt, for statements that must only touch sessions inside their lifetime. */
export const runningAt =
  (now: number) =>
  (eb: ExpressionBuilder<Database, 'login_sessions'>): Expression<SqlBool> =>
    eb.and([eb('login_sessions.created_at', '<=', latestCreation(now)), eb('login_sessions.expires_at', '>', now)]);

/** Not runsAt, for statements that write down the end of sessions past their lifetime. */
export const overAt =
  (now: number) =>
  (eb: ExpressionBuilder<Database, 'login_sessions'>): Expression<SqlBool> =>
    eb.or([eb('login_sessions.expires_at', '<=', now), eb('login_sessions.created_at', '>', latestCreation(now))]);
