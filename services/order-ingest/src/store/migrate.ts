import path from 'node:path';
import { migrateMessaging } from '@retail-backbone/messaging';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

export const SERVICE_MIGRATIONS_TABLE = 'order_ingest_migrations';

/** Applies the outbox/inbox tables (messaging) and the service's own tables to its schema. */
export async function migrate(databaseUrl: string, schema: string): Promise<void> {
  await migrateMessaging({ databaseUrl, schema });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`order-ingest-migrate:${schema}`]);
    await runner({
      dbClient: client,
      dir: path.join(__dirname, 'migrations'),
      migrationsTable: SERVICE_MIGRATIONS_TABLE,
      schema,
      createSchema: true,
      direction: 'up',
      noLock: true,
      checkOrder: true,
      log: () => {},
    });
  } finally {
    await client.end();
  }
}
