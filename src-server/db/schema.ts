import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * The one typed source of the schema. Times are integer milliseconds since the epoch; every
 * secret we issue (tokens, kiosk keys, kiosk secrets, badge secrets, access tokens) is stored
 * only as its hash.
 */
export interface Database {
  users: UsersTable;
  badges: BadgesTable;
  kiosks: KiosksTable;
  login_sessions: LoginSessionsTable;
  access_sessions: AccessSessionsTable;
  audit_log: AuditLogTable;
  settings: SettingsTable;
  kiosk_pairings: KioskPairingsTable;
}

export type Role = 'user' | 'admin';

export interface UsersTable {
  id: Generated<number>;
  display_name: string;
  role: Role;
  created_at: number;
  disabled_at: number | null;
  /** scrypt (pin.ts); null when the user has no PIN. */
  pin_hash: string | null;
  /** Wrong PINs in a row, across login sessions; reset by a right one or a new PIN. */
  pin_failures: ColumnType<number, number | undefined, number>;
  /** The site's own id for the person (an HR number), set by imports; unique where not null. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface BadgesTable {
  id: Generated<number>;
  user_id: number;
  /** Upper-case hex, no separators. Unique among badges that are not revoked. */
  uid: string;
  secret_hash: string | null;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

export interface KiosksTable {
  id: Generated<number>;
  name: string;
  location: string | null;
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
  /** The last time this kiosk was seen (online, or calling with its key); written at most once a minute. */
  last_seen_at: number | null;
  /** The kiosk app's version as its screen last reported it. */
  app_version: string | null;
}

export const LOGIN_SESSION_STATUSES = ['pending', 'authenticated', 'consumed', 'expired'] as const;
export type LoginSessionStatus = (typeof LOGIN_SESSION_STATUSES)[number];

export interface LoginSessionsTable {
  id: string;
  token_hash: string;
  kiosk_secret_hash: string;
  kiosk_id: number;
  /** As last written; reads turn pending/authenticated into expired past expires_at, or once the clock is set back before created_at (login-session.lifetime.ts). */
  status: LoginSessionStatus;
  created_at: number;
  expires_at: number;
  authenticated_at: number | null;
  consumed_at: number | null;
  user_id: number | null;
  badge_id: number | null;
  rejected_badges: ColumnType<number, number | undefined, number>;
  /** 1 when the badge's holder has a PIN: no access token until the kiosk sends it. */
  pin_required: ColumnType<number, number | undefined, number>;
  pin_attempts: ColumnType<number, number | undefined, number>;
  /** Kiosk screens following the session now, on any instance (the desk reader signs in through a watched one). */
  watchers: ColumnType<number, number | undefined, number>;
}

export interface AccessSessionsTable {
  id: string;
  token_hash: string;
  user_id: number;
  kiosk_id: number | null;
  login_session_id: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  /** When the holder last entered their PIN in this session (at login or at the console's step-up). */
  pin_confirmed_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export type AuditOutcome = 'success' | 'failure';

/** No foreign keys: the log outlives what it speaks of. Nothing secret is ever written here. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  event: string;
  outcome: AuditOutcome;
  reason: string | null;
  source: string | null;
  client_address: string | null;
  kiosk_id: number | null;
  user_id: number | null;
  badge_id: number | null;
  badge_uid: string | null;
  login_session_id: string | null;
  /** The administrator who made a change, for admin events. */
  actor_user_id: number | null;
  /** JSON of what changed (never a secret). */
  details: string | null;
  /** The hash chain (audit-chain.ts): this row's content and the previous row's hash. */
  hash: string | null;
}

/** A kiosk waiting for, or just given, its key (pairing/). */
export interface KioskPairingsTable {
  id: string;
  /** SHA-256 of the normalised code (8 characters, no dash, upper case): looked up by value at approval. */
  code_hash: string;
  poll_secret_hash: string;
  /** The name the kiosk asked for; the administrator's choice wins. */
  name: string | null;
  created_at: number;
  expires_at: number;
  /** Set when an administrator takes the code (before the kiosk exists), so that it works once. */
  approved_at: number | null;
  kiosk_id: number | null;
  delivered_at: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export type UserRow = Selectable<UsersTable>;
export type BadgeRow = Selectable<BadgesTable>;
export type KioskRow = Selectable<KiosksTable>;
export type LoginSessionRow = Selectable<LoginSessionsTable>;
export type NewLoginSession = Insertable<LoginSessionsTable>;
export type KioskPairingRow = Selectable<KioskPairingsTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
