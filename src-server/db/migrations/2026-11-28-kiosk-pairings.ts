import type { Kysely } from 'kysely';

// Kiosk pairing (RFC 8628 in shape): a kiosk asks for a code, an administrator approves it, the kiosk
// collects its key once. Only hashes of the code and of the poll secret are kept, and no kiosk key at
// all: the key is drawn by the first poll after the approval, which stores its hash on the kiosk.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('kiosk_pairings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('poll_secret_hash', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('approved_at', 'integer')
    .addColumn('kiosk_id', 'integer', (c) => c.references('kiosks.id').onDelete('cascade'))
    .addColumn('delivered_at', 'integer')
    .execute();
  await db.schema.createIndex('kiosk_pairings_code').on('kiosk_pairings').column('code_hash').execute();
  await db.schema.createIndex('kiosk_pairings_created').on('kiosk_pairings').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('kiosk_pairings').execute();
}
