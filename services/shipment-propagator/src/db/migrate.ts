import path from 'node:path';
import { migrateService, type MigrationSet } from '@retail-backbone/messaging';

export const DEFAULT_SCHEMA = 'shipment_propagator';
export const PROPAGATOR_MIGRATIONS: MigrationSet = { dir: path.join(__dirname, 'migrations'), table: 'shipment_propagator_migrations' };

/** The messaging tables (outbox, inbox, outside_effects) and the propagator's own, in one schema. */
export async function migratePropagator(databaseUrl: string, schema = DEFAULT_SCHEMA): Promise<void> {
  await migrateService({ url: databaseUrl, schema, effects: true, migrations: [PROPAGATOR_MIGRATIONS] });
}
