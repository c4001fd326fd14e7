import path from 'node:path';
import { migrateService, type MigrationSet } from '@retail-backbone/messaging';

export const DEFAULT_SCHEMA = 'loyalty_sync';
export const LOYALTY_SYNC_MIGRATIONS: MigrationSet = { dir: path.join(__dirname, 'migrations'), table: 'loyalty_sync_migrations' };

/** The messaging tables (outbox, inbox, outside_effects) and loyalty-sync's own, in one schema. */
export async function migrateLoyaltySync(databaseUrl: string, schema = DEFAULT_SCHEMA): Promise<void> {
  await migrateService({ url: databaseUrl, schema, effects: true, migrations: [LOYALTY_SYNC_MIGRATIONS] });
}
