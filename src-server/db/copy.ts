import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { verifyAuditChain } from '../audit/audit-integrity.ts';
import { AppError } from '../errors.ts';
import { isPostgresUrl } from './dialect.ts';
import { databaseLabel, openDatabase, type TapinDb } from './open.ts';
import type { Database } from './schema.ts';

export interface CopyReport {
  users: number;
  badges: number;
  kiosks: number;
  auditEvents: number;
}

// Parents before children (foreign keys); every row, ids included, so that the audit log's references
// and its hash chain (which covers ids nowhere, but rows in order) come across as they were.
const TABLES = ['users', 'kiosks', 'badges', 'login_sessions', 'access_sessions', 'kiosk_pairings', 'settings', 'audit_log'] as const satisfies readonly (keyof Database)[];
const IDENTITY_TABLES = ['users', 'kiosks', 'badges', 'audit_log'] as const;
const BATCH = 500;

/**
 * `tapin db copy`: moves a whole site from its SQLite file into an empty PostgreSQL database, in one
 * transaction (all or nothing), then checks that the audit log's chain holds there and ends on the
 * same row as in the file. The source is only read (it is migrated first, as any command does).
 */
export async function copyDatabase(from: string, to: string): Promise<CopyReport> {
  if (isPostgresUrl(from)) throw new AppError('INVALID_REQUEST', `--from is the site's SQLite file, not a PostgreSQL URL (${databaseLabel(from)})`);
  if (!isPostgresUrl(to)) throw new AppError('INVALID_REQUEST', `--to is a postgres:// URL, not "${databaseLabel(to)}"`);
  if (!existsSync(from)) throw new AppError('INVALID_REQUEST', `there is no SQLite database at ${from}`);
  const source = await openDatabase(from);
  try {
    const target = await openDatabase(to);
    try {
      await refuseNonEmpty(target, to);
      const sourceChain = await verifyAuditChain(source);
      if (!sourceChain.ok) throw new AppError('INVALID_REQUEST', `the audit log of ${from} is broken (${sourceChain.broken?.message ?? 'see tapin audit verify'}): nothing was copied`);

      await target.transaction().execute(async (tx) => {
        for (const table of TABLES) await copyTable(source, tx, table);
        // Identity columns go on after the highest id copied, not from 1.
        for (const table of IDENTITY_TABLES) {
          await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false) from ${sql.table(table)}`.execute(tx);
        }
      });

      const copiedChain = await verifyAuditChain(target);
      if (!copiedChain.ok || copiedChain.head?.hash !== sourceChain.head?.hash) {
        throw new AppError('INTERNAL_ERROR', `the audit log's chain does not hold in ${databaseLabel(to)} after the copy: ${copiedChain.broken?.message ?? 'its last row differs'}`);
      }
      const count = async (table: 'users' | 'badges' | 'kiosks' | 'audit_log') =>
        Number((await target.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      return { users: await count('users'), badges: await count('badges'), kiosks: await count('kiosks'), auditEvents: await count('audit_log') };
    } finally {
      await target.destroy();
    }
  } finally {
    await source.destroy();
  }
}

async function refuseNonEmpty(target: TapinDb, to: string): Promise<void> {
  for (const table of TABLES) {
    const row = await target.selectFrom(table).select(sql`1`.as('one')).limit(1).executeTakeFirst();
    if (row) throw new AppError('INVALID_REQUEST', `${databaseLabel(to)} is not empty (its ${table} has rows): a copy goes into an empty database only`);
  }
}

async function copyTable(source: TapinDb, target: TapinDb, table: (typeof TABLES)[number]): Promise<void> {
  const key = table === 'settings' ? 'key' : 'id';
  let after: string | number | undefined;
  for (;;) {
    let query = source.selectFrom(table).selectAll().orderBy(key).limit(BATCH);
    if (after !== undefined) query = query.where(key, '>', after as never);
    const rows = (await query.execute()) as Record<string, unknown>[];
    if (rows.length === 0) return;
    await target.insertInto(table).values(rows as never).execute();
    after = rows.at(-1)?.[key] as string | number;
    if (rows.length < BATCH) return;
  }
}
