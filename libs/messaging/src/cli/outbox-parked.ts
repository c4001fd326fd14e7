import fs from 'node:fs';
import os from 'node:os';
import { EventSerde as AvroSerde } from '@retail-backbone/contracts';
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { positiveInt, schemaName } from './arguments';
import type { EventSerde } from '../serde';
import { ParkedRowError, ParkedRows, type ParkedFilter } from './parked-rows';

function rowId(value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be an outbox row id (a positive integer)');
  return value;
}

interface Common {
  databaseUrl?: string;
  schema?: string;
  registryUrl?: string;
}

export interface ParkedCommandOptions {
  write?: (line: string) => void;
  /** The serde that checks payloads (default: the Avro serde on --registry-url / SCHEMA_REGISTRY_URL). */
  serde?: EventSerde;
}

/**
 * `outbox-parked list|show|release|fix|drop|dropped`: parked outbox rows of one service schema,
 * inspected and acted on without SQL. JSON on stdout; exit code 1 with a message on bad input, a
 * row that is not parked, a payload that does not encode, or rows that still fail on release.
 */
export function buildCommand(options: ParkedCommandOptions = {}): Command {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const program = new Command('outbox-parked').description('Parked outbox rows (failed to encode, or refused by the broker): inspect, fix, release or drop them');
  const withCommon = (command: Command) =>
    command.option('--database-url <url>', 'service database (default: DATABASE_URL)').option('--schema <name>', 'service schema (default: DB_SCHEMA)', schemaName);

  const run = async (common: Common, command: Command, work: (rows: ParkedRows, serde: () => EventSerde) => Promise<unknown>) => {
    const url = common.databaseUrl ?? process.env.DATABASE_URL;
    const schema = common.schema ?? (process.env.DB_SCHEMA ? schemaName(process.env.DB_SCHEMA) : undefined);
    if (!url) command.error('no database: pass --database-url or set DATABASE_URL');
    if (!schema) command.error('no schema: pass --schema or set DB_SCHEMA');
    const serde = () => {
      if (options.serde) return options.serde;
      const registryUrl = common.registryUrl ?? process.env.SCHEMA_REGISTRY_URL;
      if (!registryUrl) command.error('no schema registry: pass --registry-url or set SCHEMA_REGISTRY_URL');
      const avro = new AvroSerde({ registryUrl });
      return { encode: (topic, eventType, value) => avro.encode(topic as never, eventType as never, value as never), decode: (buffer) => avro.decode(buffer) } satisfies EventSerde;
    };
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on('error', () => undefined);
    try {
      write(JSON.stringify(await work(new ParkedRows(pool, schema!), serde), null, 2));
    } catch (error) {
      if (error instanceof ParkedRowError) command.error(error.message);
      throw error;
    } finally {
      await pool.end();
    }
  };
  const selection = (command: Command) =>
    command.option('--id <id>', 'only this outbox row', rowId).option('--key <key>', 'only rows of this message key').option('--topic <name>', 'only rows of this topic');

  selection(withCommon(program.command('list').description('parked rows, oldest first, with how many later rows of their key they hold back')))
    .option('--limit <n>', 'at most this many', positiveInt, 100)
    .action((opts: Common & ParkedFilter, command: Command) => run(opts, command, (rows) => rows.list(opts)));

  withCommon(program.command('show').description("one parked row with its stored payload (edit that JSON and give it to 'fix')"))
    .requiredOption('--id <id>', 'outbox row id', rowId)
    .action((opts: Common & { id: string }, command: Command) => run(opts, command, (rows) => rows.show(opts.id)));

  selection(withCommon(program.command('release').description('encodes the selected rows with the current schema; those that encode are retried by the relay at once')))
    .option('--registry-url <url>', 'schema registry (default: SCHEMA_REGISTRY_URL)')
    .option('--force', 'release rows that still fail to encode too (they park again)')
    .action(async (opts: Common & ParkedFilter & { force?: boolean }, command: Command) => {
      if (!opts.id && !opts.key && !opts.topic) command.error('pass --id, --key or --topic');
      let failing = 0;
      await run(opts, command, async (rows, serde) => {
        const result = await rows.release(serde(), opts, opts.force);
        failing = result.stillFailing.length;
        return result;
      });
      if (failing > 0) command.error(`${failing} row(s) still fail to encode and stay parked (see stillFailing; fix them or pass --force)`);
    });

  withCommon(program.command('fix').description('replaces the payload of a parked row (same event id and type) once it encodes with the current schema, and retries it at once'))
    .requiredOption('--id <id>', 'outbox row id', rowId)
    .requiredOption('--payload-file <file>', "the corrected payload: the JSON 'show' printed, edited")
    .option('--registry-url <url>', 'schema registry (default: SCHEMA_REGISTRY_URL)')
    .action((opts: Common & { id: string; payloadFile: string }, command: Command) => {
      let payload: unknown;
      try {
        payload = JSON.parse(fs.readFileSync(opts.payloadFile, 'utf8'));
      } catch (error) {
        command.error(`--payload-file ${opts.payloadFile}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return run(opts, command, (rows, serde) => rows.fix(serde(), opts.id, payload));
    });

  withCommon(program.command('drop').description('never publishes a parked row: moves it to outbox_dropped with the reason, which unblocks its key'))
    .requiredOption('--id <id>', 'outbox row id', rowId)
    .requiredOption('--reason <text>', 'why the event is dropped (kept with it)')
    .option('--by <name>', 'who drops it (default: the OS user)')
    .action((opts: Common & { id: string; reason: string; by?: string }, command: Command) =>
      run(opts, command, (rows) => rows.drop(opts.id, opts.reason, opts.by ?? os.userInfo().username)),
    );

  withCommon(program.command('dropped').description('rows dropped so far, newest first'))
    .option('--limit <n>', 'at most this many', positiveInt, 100)
    .action((opts: Common & { limit: number }, command: Command) => run(opts, command, (rows) => rows.dropped(opts.limit)));
  return program;
}

if (require.main === module) {
  buildCommand()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`outbox-parked failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
