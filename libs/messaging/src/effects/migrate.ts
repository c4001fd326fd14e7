import path from 'node:path';
import { migrateSchema, type MigrateOptions } from '../migrate';

export const EFFECTS_MIGRATIONS_DIR = path.join(__dirname, 'migrations');
export const EFFECTS_MIGRATIONS_TABLE = 'effects_migrations';

/**
 * Creates the outside_effects table in a service schema. A migration set of its own, so only
 * the services that call outside systems carry it and it never reorders messaging's migrations.
 */
export async function migrateEffects(options: MigrateOptions): Promise<void> {
  await migrateSchema({ ...options, dir: EFFECTS_MIGRATIONS_DIR, migrationsTable: EFFECTS_MIGRATIONS_TABLE });
}
