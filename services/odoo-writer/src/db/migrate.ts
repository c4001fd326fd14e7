import path from 'node:path';
import { migrateService, type MigrationSet } from '@retail-backbone/messaging';

export const DEFAULT_SCHEMA = 'odoo_writer';
export const ODOO_WRITER_MIGRATIONS: MigrationSet = { dir: path.join(__dirname, 'migrations'), table: 'odoo_writer_migrations' };

/** The messaging tables (outbox, inbox, outside_effects) and the writer's own tables, in one schema. */
export async function migrateOdooWriter(databaseUrl: string, schema = DEFAULT_SCHEMA): Promise<void> {
  await migrateService({ url: databaseUrl, schema, effects: true, migrations: [ODOO_WRITER_MIGRATIONS] });
}
