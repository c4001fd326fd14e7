import fs from 'node:fs';
import path from 'node:path';
import { jsonLogger, silentSink, type LogSink } from './log';
import { startEmbeddedPostgres } from './postgres/embedded-postgres';
import { startSchemaRegistry } from './registry/server';

export interface DevStackOptions {
  /** Where kept data lives (PostgreSQL cluster, broker log). Default: `.devstack/` in the repo root. */
  dataDir?: string;
  /** Keep data between runs. Default: true when dataDir is given, else throwaway. */
  persistent?: boolean;
  /** Discard kept data before starting. */
  fresh?: boolean;
  /** Start the dev Kafka broker (default true). Without it KAFKA_BROKERS is empty unless given. */
  kafka?: boolean;
  log?: LogSink;
  /** Connection settings given here replace the embedded services. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface DevStackEnv {
  DATABASE_URL: string;
  SCHEMA_REGISTRY_URL: string;
  KAFKA_BROKERS: string;
}

export interface DevStack {
  env: DevStackEnv;
  startupMs: number;
  stop(): Promise<void>;
}

export const REGISTRY_DATABASE = 'schema_registry';

export function defaultDataDir(): string {
  return path.resolve(__dirname, '..', '..', '..', '.devstack');
}

const given = (value: string | undefined): string | undefined => (value && value.trim() !== '' ? value : undefined);

export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const started = Date.now();
  const sink = options.log ?? silentSink;
  const log = jsonLogger(sink, 'devstack');
  const env = options.env ?? process.env;
  const persistent = options.persistent ?? options.dataDir !== undefined;
  const dataDir = persistent ? path.resolve(options.dataDir ?? defaultDataDir()) : undefined;
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const stop of stoppers.splice(0).reverse()) await stop().catch((e: unknown) => errors.push(e));
    if (errors.length) throw new AggregateError(errors, 'dev stack did not stop cleanly');
  };

  try {
    const kafkaDir = dataDir && path.join(dataDir, 'kafka');
    if (kafkaDir && options.fresh) fs.rmSync(kafkaDir, { recursive: true, force: true });

    const kafka = (async (): Promise<string> => {
      const external = given(env.KAFKA_BROKERS);
      if (external) return external;
      if (options.kafka === false) return '';
      // Loaded only when needed: runs without Kafka do not pay for the broker's modules.
      const { startBroker } = await import('@retail-backbone/dev-kafka');
      const broker = await startBroker({ port: 0, ...(kafkaDir ? { dataDir: kafkaDir } : {}) });
      stoppers.push(() => broker.stop());
      log('info', 'kafka broker ready', { bootstrap: broker.bootstrap, dataDir: kafkaDir ?? 'in-memory' });
      return broker.bootstrap;
    })();

    const databaseAndRegistry = (async (): Promise<[string, string]> => {
      let databaseUrl = given(env.DATABASE_URL);
      let registryDatabaseUrl = databaseUrl;
      if (!databaseUrl) {
        const pg = await startEmbeddedPostgres({
          ...(dataDir ? { dataDir: path.join(dataDir, 'postgres') } : {}),
          fresh: options.fresh ?? false,
          log: sink,
        });
        stoppers.push(() => pg.stop());
        databaseUrl = pg.url;
        registryDatabaseUrl = await pg.createDatabase(REGISTRY_DATABASE);
      }
      const externalRegistry = given(env.SCHEMA_REGISTRY_URL);
      if (externalRegistry) return [databaseUrl, externalRegistry];
      const registry = await startSchemaRegistry({ databaseUrl: registryDatabaseUrl as string, log: sink });
      stoppers.push(() => registry.stop());
      return [databaseUrl, registry.url];
    })();

    const results = await Promise.allSettled([databaseAndRegistry, kafka]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [[DATABASE_URL, SCHEMA_REGISTRY_URL], KAFKA_BROKERS] = [await databaseAndRegistry, await kafka];
    const startupMs = Date.now() - started;
    log('info', 'dev stack ready', { startupMs, persistent, dataDir: dataDir ?? 'temporary' });
    let stopped: Promise<void> | undefined;
    return {
      env: { DATABASE_URL, SCHEMA_REGISTRY_URL, KAFKA_BROKERS },
      startupMs,
      stop: () => (stopped ??= stopAll().then(() => log('info', 'dev stack stopped'))),
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
