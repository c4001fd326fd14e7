import { postgresConnection } from '@retail-backbone/connections';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { assertSchemaName } from './schema-name';

export interface MigrateOptions {
  /** Connection string of the service database. */
  databaseUrl: string;
  /** The service's schema; outbox, inbox and lane tables are created inside it. */
  schema: string;
  direction?: 'up' | 'down';
}

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
export const MIGRATIONS_TABLE = 'messaging_migrations';

/** Applies the messaging tables to one service schema. */
export async function migrateMessaging(options: MigrateOptions): Promise<void> {
  await migrateSchema({ ...options, dir: MIGRATIONS_DIR, migrationsTable: MIGRATIONS_TABLE });
}

export interface SchemaMigration extends MigrateOptions {
  /** Folder of node-pg-migrate migration files. */
  dir: string;
  /** One table per migration set, so a service's own migrations and messaging's never mix. */
  migrationsTable: string;
}

/**
 * Applies one set of migrations to one service schema; services use it for their own tables.
 * Services sharing a database migrate different schemas at the same time, so the lock is a
 * blocking advisory lock per schema and set instead of node-pg-migrate's single global try-lock
 * (which fails rather than waits).
 */
export async function migrateSchema(options: SchemaMigration): Promise<void> {
  const schema = assertSchemaName(options.schema);
  const client = new pg.Client({ ...postgresConnection(options.databaseUrl) });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`${options.migrationsTable}:${schema}`]);
    await runner({
      dbClient: client,
      dir: options.dir,
      migrationsTable: options.migrationsTable,
      schema,
      createSchema: true,
      direction: options.direction ?? 'up',
      count: options.direction === 'down' ? Infinity : undefined,
      noLock: true,
      checkOrder: true,
      log: () => {},
    });
  } finally {
    await client.end();
  }
}
