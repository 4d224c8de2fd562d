/** Every failure a client can see: its stable code and the HTTP status that carries it. */
export const errorStatus = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  KIOSK_UNAUTHORIZED: 401,
  BADGE_REJECTED: 401,
  PIN_REQUIRED: 401,
  PIN_REJECTED: 401,
  FORBIDDEN: 403,
  PIN_LOCKED: 403,
  PIN_NOT_SET: 403,
  STEP_UP_REQUIRED: 403,
  NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  BADGE_NOT_FOUND: 404,
  KIOSK_NOT_FOUND: 404,
  ACCESS_SESSION_NOT_FOUND: 404,
  READER_NOT_ATTACHED: 404,
  PAIRING_NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  SESSION_NOT_PENDING: 409,
  SESSION_NOT_AUTHENTICATED: 409,
  BADGE_ALREADY_ENROLLED: 409,
  BADGE_WRITE_FAILED: 409,
  LAST_ADMINISTRATOR: 409,
  READER_BUSY: 409,
  NO_BADGE_TAPPED: 409,
  PAIRING_ALREADY_APPROVED: 409,
  SESSION_EXPIRED: 410,
  PAIRING_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  STORAGE_UNAVAILABLE: 503,
  NOT_READY: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorStatus[code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
