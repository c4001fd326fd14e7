import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { EffectStore, OPEN_STATES, type EffectRow, type EffectState } from '../effects/store';
import { positiveInt, schemaName } from './arguments';

const STATES: readonly EffectState[] = ['pending', 'unknown', 'failed', 'done', 'cancelled'];

function states(value: string): EffectState[] {
  const list = value.split(',').map((s) => s.trim()) as EffectState[];
  const bad = list.filter((s) => !STATES.includes(s));
  if (bad.length > 0) throw new InvalidArgumentError(`unknown state ${bad.join(', ')}; one of ${STATES.join(', ')}`);
  return list;
}

interface Common {
  databaseUrl?: string;
  schema?: string;
  aggregate?: string;
  key?: string;
}

function summary(row: EffectRow) {
  return {
    key: row.key,
    kind: row.kind,
    aggregate: row.aggregate,
    state: row.state,
    waits_for: row.waitsFor,
    attempts: row.attempts,
    failures: row.failures,
    next_attempt_at: row.nextAttemptAt.toISOString(),
    leased_by: row.leasedUntil && row.leasedUntil > new Date() ? row.leaseOwner : null,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
  };
}

/**
 * `effects list|retry|release`: inspect a service's outside effects and act on them without SQL.
 * Output is JSON on stdout; exit code 1 with a message for bad input or an unreachable database.
 */
export function buildCommand(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Command {
  const program = new Command('effects').description("Lists and retries a service's outside effects (calls to Odoo, the loyalty platform, channel APIs)");
  const withCommon = (command: Command) =>
    command
      .option('--database-url <url>', 'service database (default: DATABASE_URL)')
      .option('--schema <name>', 'service schema (default: DB_SCHEMA)', schemaName)
      .option('--aggregate <id>', 'only effects of this aggregate (e.g. an order id)')
      .option('--key <key>', 'only the effect with this idempotency key');

  const connect = async (options: Common, command: Command): Promise<{ store: EffectStore; pool: pg.Pool }> => {
    const url = options.databaseUrl ?? process.env.DATABASE_URL;
    const schema = options.schema ?? (process.env.DB_SCHEMA ? schemaName(process.env.DB_SCHEMA) : undefined);
    if (!url) command.error('no database: pass --database-url or set DATABASE_URL');
    if (!schema) command.error('no schema: pass --schema or set DB_SCHEMA');
    return { store: new EffectStore(schema!), pool: new pg.Pool({ connectionString: url, max: 1 }) };
  };
  const run = async (options: Common, command: Command, work: (store: EffectStore, pool: pg.Pool) => Promise<unknown>) => {
    const { store, pool } = await connect(options, command);
    try {
      write(JSON.stringify(await work(store, pool), null, 2));
    } finally {
      await pool.end();
    }
  };

  withCommon(program.command('list').description('effects not yet done (or of --state), oldest first'))
    .option('--state <list>', `comma-separated states (${STATES.join(', ')}); default: the open ones`, states)
    .option('--limit <n>', 'at most this many', positiveInt, 100)
    .action((options: Common & { state?: EffectState[]; limit: number }, command: Command) =>
      run(options, command, async (store, pool) =>
        (await store.list(pool, { aggregate: options.aggregate, key: options.key, states: options.state ?? [...OPEN_STATES], limit: options.limit })).map(summary),
      ),
    );

  withCommon(program.command('retry').description('makes failed and pending effects due now (after fixing the cause, e.g. a missing product)'))
    .option('--force', "also effects whose outcome is unknown, before the other side's time limit has passed (may duplicate a call still running there)")
    .action((options: Common & { force?: boolean }, command: Command) => {
      if (!options.aggregate && !options.key) command.error('pass --aggregate or --key');
      return run(options, command, async (store, pool) => ({ retried: await store.retryNow(pool, { aggregate: options.aggregate, key: options.key, force: options.force }) }));
    });

  withCommon(program.command('release').description("drops the lease of effects held by a worker known to be dead and makes them due now; they are looked up before any new call"))
    .action((options: Common, command: Command) => {
      if (!options.aggregate && !options.key) command.error('pass --aggregate or --key');
      return run(options, command, async (store, pool) => ({
        released: await store.retryNow(pool, { aggregate: options.aggregate, key: options.key, force: true, releaseLeases: true }),
      }));
    });
  return program;
}

if (require.main === module) {
  buildCommand()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`effects failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
