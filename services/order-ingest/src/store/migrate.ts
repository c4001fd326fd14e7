import path from 'node:path';
import { migrateService, type MigrationSet } from '@retail-backbone/messaging';

export const SERVICE_MIGRATIONS_TABLE = 'order_ingest_migrations';
export const ORDER_INGEST_MIGRATIONS: MigrationSet = { dir: path.join(__dirname, 'migrations'), table: SERVICE_MIGRATIONS_TABLE };

/** Applies the outbox/inbox tables (messaging) and the service's own tables to its schema. */
export async function migrate(databaseUrl: string, schema: string): Promise<void> {
  await migrateService({ url: databaseUrl, schema, migrations: [ORDER_INGEST_MIGRATIONS] });
}
