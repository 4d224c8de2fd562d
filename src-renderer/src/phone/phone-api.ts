import type { BadgeRead } from './nfc.ts';

export interface Inspected {
  status: 'pending' | 'authenticated' | 'consumed' | 'expired';
  expiresAt: string;
  kiosk: { name: string; location: string | null };
}

export interface Validated {
  user: { displayName: string };
  kiosk: { name: string };
}

/** Why the phone could not go on, in the words the page shows. */
export type PhoneFailure = 'expired' | 'rejected' | 'used' | 'rateLimited' | 'network' | 'notFound';

export class PhoneError extends Error {
  readonly failure: PhoneFailure;
  constructor(failure: PhoneFailure) {
    super(failure);
    this.failure = failure;
  }
}

const FAILURES: Record<string, PhoneFailure> = {
  SESSION_EXPIRED: 'expired',
  BADGE_REJECTED: 'rejected',
  SESSION_NOT_PENDING: 'used',
  RATE_LIMITED: 'rateLimited',
  SESSION_NOT_FOUND: 'notFound',
};

async function post<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new PhoneError('network');
  }
  const payload = (await response.json().catch(() => undefined)) as { error?: { code: string } } | undefined;
  if (!response.ok) throw new PhoneError(FAILURES[payload?.error?.code ?? ''] ?? (response.status === 400 ? 'rejected' : 'network'));
  return payload as T;
}

export const inspect = (token: string) => post<Inspected>('/login-sessions/inspect', { token });
export const validate = (token: string, badge: BadgeRead) => post<Validated>('/login-sessions/validate', { token, badge });

/** The demo badges, which exist only when the server runs with --demo (404 otherwise). */
export async function demoBadges(): Promise<{ uid: string; displayName: string }[]> {
  try {
    const response = await fetch('/api/v1/demo/badges');
    if (!response.ok) return [];
    return ((await response.json()) as { badges: { uid: string; displayName: string }[] }).badges;
  } catch {
    return [];
  }
}
