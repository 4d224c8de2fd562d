import type { TapinDb } from '../db/open.ts';
import { transact } from '../db/dialect.ts';
import { AUDIT_CHAINED_COLUMNS, AUDIT_CHECKPOINT_KEY, auditChainHash, type AuditCheckpoint } from './audit-chain.ts';
import { recordAudit } from './audit.repository.ts';

export interface AuditVerification {
  ok: boolean;
  /** Rows checked (those still in the log). */
  rows: number;
  /** The newest row: keep its hash somewhere else to detect rows removed from the end too. */
  head: { id: number; hash: string } | null;
  /** Where the log starts after pruning, if it was pruned. */
  checkpoint: AuditCheckpoint | null;
  /** The first place the chain does not hold. */
  broken?: { id: number | null; message: string };
}

const BATCH = 2_000;

async function readCheckpoint(db: TapinDb): Promise<AuditCheckpoint | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', AUDIT_CHECKPOINT_KEY).executeTakeFirst();
  return row ? (JSON.parse(row.value) as AuditCheckpoint) : null;
}

/**
 * Walks the whole audit log in order and recomputes every hash. An edited row breaks its own hash; a
 * deleted or inserted row breaks the next one's. Pruning leaves a checkpoint (the last removed row's
 * hash), and the pruning itself is a chained row, so the checkpoint cannot be moved unnoticed either.
 */
export async function verifyAuditChain(db: TapinDb): Promise<AuditVerification> {
  const checkpoint = await readCheckpoint(db);
  let previous = checkpoint?.hash ?? null;
  let lastId = checkpoint?.throughId ?? 0;
  let rows = 0;
  let head: AuditVerification['head'] = null;
  let vouched = checkpoint === null;
  const fail = (id: number | null, message: string): AuditVerification => ({ ok: false, rows, head, checkpoint, broken: { id, message } });

  const first = await db.selectFrom('audit_log').select('id').orderBy('id').limit(1).executeTakeFirst();
  if (first && checkpoint && first.id <= checkpoint.throughId) {
    return fail(first.id, `row ${first.id} is older than the pruning checkpoint (through row ${checkpoint.throughId})`);
  }
  for (;;) {
    const batch = await db.selectFrom('audit_log').selectAll().where('id', '>', lastId).orderBy('id').limit(BATCH).execute();
    for (const row of batch) {
      const expected = auditChainHash(previous, AUDIT_CHAINED_COLUMNS.map((column) => row[column]));
      if (row.hash !== expected) {
        return fail(row.id, `row ${row.id} does not follow the chain: it was edited, or rows just before it were deleted or inserted`);
      }
      if (checkpoint && row.event === 'audit.pruned' && row.details) {
        const pruned = JSON.parse(row.details) as { throughId?: number; hash?: string };
        vouched = pruned.throughId === checkpoint.throughId && pruned.hash === checkpoint.hash;
      }
      previous = expected;
      lastId = row.id;
      rows += 1;
      head = { id: row.id, hash: expected };
    }
    if (batch.length < BATCH) break;
  }
  if (!vouched) return fail(null, `the pruning checkpoint (through row ${checkpoint?.throughId}) does not match the last pruning recorded in the log`);
  return { ok: true, rows, head, checkpoint };
}

/**
 * Removes audit rows older than `cutoff` from the start of the log only (never a hole in the middle),
 * in one transaction with the new checkpoint and a chained row recording it: the log stays verifiable.
 */
export async function pruneAuditLog(db: TapinDb, cutoff: number, now: number): Promise<number> {
  return transact(db, async (tx) => {
    // The oldest rows, up to the first one still inside the retention period.
    const keep = await tx.selectFrom('audit_log').select('id').where('at', '>=', cutoff).orderBy('id').limit(1).executeTakeFirst();
    let last = tx.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1);
    if (keep) last = last.where('id', '<', keep.id);
    const through = await last.executeTakeFirst();
    if (!through?.hash) return 0;
    const deleted = await tx.deleteFrom('audit_log').where('id', '<=', through.id).executeTakeFirst();
    const checkpoint: AuditCheckpoint = { throughId: through.id, hash: through.hash, at: now };
    await tx
      .insertInto('settings')
      .values({ key: AUDIT_CHECKPOINT_KEY, value: JSON.stringify(checkpoint) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(checkpoint) }))
      .execute();
    const rows = Number(deleted.numDeletedRows);
    await recordAudit(tx, now, { event: 'audit.pruned', outcome: 'success', source: 'system', details: { throughId: through.id, hash: through.hash, rows } });
    return rows;
  });
}
