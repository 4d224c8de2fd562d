import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain. Each row's `hash` covers its content and the hash of the row before it,
 * so that editing, deleting or inserting a row anywhere but at the very end breaks every hash after
 * it. The hash is computed by SQLite itself, in the statement that inserts the row (through the
 * `tapin_audit_hash` function registered on every connection), so two writers can never chain onto
 * the same predecessor. The format is fixed: changing it means a new genesis string.
 */
export const AUDIT_CHAIN_GENESIS = 'tapin-audit-v1';

/** The columns a row's hash covers, in this order. */
export const AUDIT_CHAINED_COLUMNS = [
  'at',
  'event',
  'outcome',
  'reason',
  'source',
  'client_address',
  'kiosk_id',
  'user_id',
  'badge_id',
  'badge_uid',
  'login_session_id',
  'actor_user_id',
  'details',
] as const;

export type AuditChainedColumn = (typeof AUDIT_CHAINED_COLUMNS)[number];

export const AUDIT_HASH_FUNCTION = 'tapin_audit_hash';

/** The hash of a row that follows `previous` (null for the first row ever). */
export function auditChainHash(previous: string | null, values: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([previous ?? AUDIT_CHAIN_GENESIS, ...values]))
    .digest('base64url');
}

/** The settings key of the checkpoint left by pruning: the id and hash of the last row removed. */
export const AUDIT_CHECKPOINT_KEY = 'audit.checkpoint';

export interface AuditCheckpoint {
  throughId: number;
  hash: string;
  at: number;
}
