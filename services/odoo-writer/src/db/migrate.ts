import path from 'node:path';
import { migrateEffects, migrateMessaging, migrateSchema } from '@retail-backbone/messaging';

export const DEFAULT_SCHEMA = 'odoo_writer';

/** The messaging tables (outbox, inbox, outside_effects) and the writer's own tables, in one schema. */
export async function migrateOdooWriter(databaseUrl: string, schema = DEFAULT_SCHEMA): Promise<void> {
  await migrateMessaging({ databaseUrl, schema });
  await migrateEffects({ databaseUrl, schema });
  await migrateSchema({ databaseUrl, schema, dir: path.join(__dirname, 'migrations'), migrationsTable: 'odoo_writer_migrations' });
}
