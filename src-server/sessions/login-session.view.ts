import type { LoginSessionRow, LoginSessionStatus } from '../db/schema.ts';
import { runsAt } from './login-session.lifetime.ts';

/** The status a login session has now: pending or authenticated sessions outside their lifetime read expired. */
export function effectiveStatus(row: Pick<LoginSessionRow, 'status' | 'created_at' | 'expires_at'>, now: number): LoginSessionStatus {
  if ((row.status === 'pending' || row.status === 'authenticated') && !runsAt(row, now)) return 'expired';
  return row.status;
}

export interface LoginSessionView {
  id: string;
  status: LoginSessionStatus;
  createdAt: string;
  expiresAt: string;
  authenticatedAt: string | null;
  /** Present (true) when the badge's holder must give their PIN on the kiosk before the exchange. */
  pinRequired?: true;
}

export const isoTime = (ms: number): string => new Date(ms).toISOString();

export function toLoginSessionView(row: LoginSessionRow, now: number): LoginSessionView {
  return {
    id: row.id,
    status: effectiveStatus(row, now),
    createdAt: isoTime(row.created_at),
    expiresAt: isoTime(row.expires_at),
    authenticatedAt: row.authenticated_at === null ? null : isoTime(row.authenticated_at),
    ...(row.pin_required ? { pinRequired: true as const } : {}),
  };
}
