import path from 'node:path';
import { migrateMessaging } from '@retail-backbone/messaging';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

export const DEFAULT_SCHEMA = 'odoo_writer';
const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** The messaging tables (outbox, inbox) and the writer's own tables, in one schema. */
export async function migrateOdooWriter(databaseUrl: string, schema = DEFAULT_SCHEMA): Promise<void> {
  await migrateMessaging({ databaseUrl, schema });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`odoo-writer-migrate:${schema}`]);
    await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: 'odoo_writer_migrations',
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
