import { createContext, useCallback, useContext, useState } from 'react';
import { ApiError } from '../bridge/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/messages.ts';
import { normalizeBadgeUid } from '../../../src-server/badges/badge-uid.ts';
import { pinProblem } from '../../../src-server/users/pin-rule.ts';
import type { AdminApi } from './admin-api.ts';

/** Thrown when the administrator closes the PIN prompt instead of answering it. */
export class Cancelled extends Error {}

export interface AdminContextValue {
  api: AdminApi;
  /**
   * Runs a change; when the server wants the PIN again (STEP_UP_REQUIRED) or a first PIN
   * (PIN_NOT_SET), asks for it, then runs the change again. Rejects with Cancelled if dismissed.
   */
  guarded<T>(work: () => Promise<T>): Promise<T>;
  /** Asks "are you sure?" in the page; resolves true to go ahead. */
  confirm(question: string, action: string): Promise<boolean>;
}

export const AdminContext = createContext<AdminContextValue | undefined>(undefined);

export function useAdmin(): AdminContextValue {
  const value = useContext(AdminContext);
  if (!value) throw new Error('useAdmin outside the admin console');
  return value;
}

const TRANSLATED: Partial<Record<string, MessageKey>> = {
  USER_NOT_FOUND: 'error.USER_NOT_FOUND',
  BADGE_NOT_FOUND: 'error.BADGE_NOT_FOUND',
  KIOSK_NOT_FOUND: 'error.KIOSK_NOT_FOUND',
  PAIRING_NOT_FOUND: 'error.PAIRING_NOT_FOUND',
  PAIRING_ALREADY_APPROVED: 'error.PAIRING_ALREADY_APPROVED',
  PAIRING_EXPIRED: 'error.PAIRING_EXPIRED',
  ACCESS_SESSION_NOT_FOUND: 'error.ACCESS_SESSION_NOT_FOUND',
  FORBIDDEN: 'error.FORBIDDEN',
  RATE_LIMITED: 'error.RATE_LIMITED',
  BADGE_ALREADY_ENROLLED: 'error.BADGE_ALREADY_ENROLLED',
  BADGE_WRITE_FAILED: 'error.BADGE_WRITE_FAILED',
  LAST_ADMINISTRATOR: 'error.LAST_ADMINISTRATOR',
  NO_BADGE_TAPPED: 'error.NO_BADGE_TAPPED',
  READER_BUSY: 'error.READER_BUSY',
  READER_NOT_ATTACHED: 'error.READER_NOT_ATTACHED',
  PIN_REJECTED: 'error.PIN_REJECTED',
  PIN_LOCKED: 'error.PIN_LOCKED',
  UNAUTHENTICATED: 'error.UNAUTHENTICATED',
};

/**
 * What is wrong with a PIN or a UID as typed, checked by the server's own rules before asking it, so
 * that the answer comes in the administrator's language (the API's messages are English).
 */
export function typedPinProblem(pin: string): MessageKey | undefined {
  const problem = pinProblem(pin);
  return problem === 'format' ? 'error.PIN_FORMAT' : problem === 'guessable' ? 'error.PIN_GUESSABLE' : undefined;
}

export function typedUidProblem(uid: string): MessageKey | undefined {
  return normalizeBadgeUid(uid) === undefined ? 'error.UID_FORMAT' : undefined;
}

/** What to tell the administrator about a failed call, in their language where we can. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useI18n();
  return (error) => {
    if (error instanceof ApiError) {
      const key = TRANSLATED[error.code];
      return key ? t(key) : error.message;
    }
    return t('error.network');
  };
}

/**
 * A form's call: `busy` while it runs, `error` text when it failed (a dismissed PIN prompt is not an
 * error), and the result handed to `then`.
 */
export function useAction() {
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = useCallback(
    async <T,>(work: () => Promise<T>, then?: (result: T) => void) => {
      setBusy(true);
      setError(undefined);
      try {
        const result = await work();
        then?.(result);
        return result;
      } catch (caught) {
        if (!(caught instanceof Cancelled)) setError(errorText(caught));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [errorText],
  );
  return { run, busy, error, setError };
}
