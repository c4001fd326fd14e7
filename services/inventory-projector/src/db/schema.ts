import path from 'node:path';
import { assertSchemaName, migrateSchema, type MigrationSet } from '@retail-backbone/messaging';
import type { Pool } from 'pg';

/** The NOTIFY channel naming the SKUs whose stock rows a committed transaction changed. */
export function stockChangesChannel(schema: string): string {
  return `${assertSchemaName(schema)}_stock`;
}

/** The projection's versioned migrations (node-pg-migrate), applied by the service kit at start. */
export const PROJECTION_MIGRATIONS: MigrationSet = { dir: path.join(__dirname, 'migrations'), table: 'inventory_projector_migrations' };

/**
 * Applies the projection migrations to `schema` through the pool's database (the live schema, or
 * the throw-away one a rebuild writes into). Safe from several instances at once: the kit's
 * migration runner holds an advisory lock per schema.
 */
export async function ensureProjectionSchema(pool: Pool, schema: string): Promise<void> {
  const databaseUrl = pool.options.connectionString;
  if (!databaseUrl) throw new Error('ensureProjectionSchema needs a pool created from a connection string');
  await migrateSchema({ databaseUrl, schema: assertSchemaName(schema), dir: PROJECTION_MIGRATIONS.dir, migrationsTable: PROJECTION_MIGRATIONS.table });
}
