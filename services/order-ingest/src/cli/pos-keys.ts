/**
 * Manage POS API keys: create (prints the key once), revoke, list.
 *   pnpm --filter @retail-backbone/order-ingest pos-keys create --estate eu-stores --store berlin-01 --location store-berlin-01
 * Reads DATABASE_URL and DB_SCHEMA (default order_ingest); applies migrations first.
 */
import { postgresConnection } from '@retail-backbone/connections';
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { PosApiKeys } from '../pos/api-keys';
import { migrate } from '../store/migrate';

async function withKeys<T>(fn: (keys: PosApiKeys) => Promise<T>): Promise<T> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const schema = process.env.DB_SCHEMA ?? 'order_ingest';
  await migrate(databaseUrl, schema);
  const pool = new pg.Pool({ ...postgresConnection(databaseUrl), max: 1 });
  try {
    return await fn(new PosApiKeys(pool, schema, 0));
  } finally {
    await pool.end();
  }
}

const program = new Command('pos-keys').description('Create, revoke and list POS API keys');

program
  .command('create')
  .requiredOption('--estate <id>', 'POS estate id (the channel instance)')
  .requiredOption('--store <id>', 'store id')
  .requiredOption('--location <id>', 'stock location of the store')
  .option('--label <text>', 'free-text label, e.g. till number')
  .option('--expires-in-days <days>', 'the key stops working after this many days', (value) => {
    const days = Number(value);
    if (!Number.isFinite(days) || days <= 0) throw new InvalidArgumentError('must be a positive number of days');
    return days;
  })
  .action(async (opts: { estate: string; store: string; location: string; label?: string; expiresInDays?: number }) => {
    const expiresAt = opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : undefined;
    const created = await withKeys((keys) => keys.create({ estateId: opts.estate, storeId: opts.store, locationId: opts.location, label: opts.label, expiresAt }));
    process.stdout.write(`${JSON.stringify({ keyId: created.keyId, apiKey: created.apiKey, note: 'shown once; only its hash is stored' })}\n`);
  });

program
  .command('revoke')
  .argument('<keyId>')
  .action(async (keyId: string) => {
    const revoked = await withKeys((keys) => keys.revoke(keyId));
    process.stdout.write(`${JSON.stringify({ keyId, revoked })}\n`);
    if (!revoked) process.exitCode = 1;
  });

program.command('list').action(async () => {
  const list = await withKeys((keys) => keys.list());
  for (const key of list) process.stdout.write(`${JSON.stringify(key)}\n`);
});

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
