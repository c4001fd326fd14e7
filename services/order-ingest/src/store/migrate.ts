import path from 'node:path';
import { migrateMessaging, migrateSchema } from '@retail-backbone/messaging';

export const SERVICE_MIGRATIONS_TABLE = 'order_ingest_migrations';

/** Applies the outbox/inbox tables (messaging) and the service's own tables to its schema. */
export async function migrate(databaseUrl: string, schema: string): Promise<void> {
  await migrateMessaging({ databaseUrl, schema });
  await migrateSchema({ databaseUrl, schema, dir: path.join(__dirname, 'migrations'), migrationsTable: SERVICE_MIGRATIONS_TABLE });
}
