import fs from 'node:fs';
import path from 'node:path';
import { startApacheBroker } from './kafka/apache-broker';
import { startDevBroker, type KafkaBrokerHandle } from './kafka/broker-handle';
import { jsonLogger, silentSink, type LogSink } from './log';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres/embedded-postgres';
import { startSchemaRegistry, type SchemaRegistry } from './registry/server';

export interface DevStackOptions {
  /** Where kept data lives (PostgreSQL cluster, broker log). Default: `.devstack/` in the repo root. */
  dataDir?: string;
  /** Keep data between runs. Default: true when dataDir is given, else throwaway. */
  persistent?: boolean;
  /** Discard kept data before starting. */
  fresh?: boolean;
  /** Start the dev Kafka broker (default true). Without it KAFKA_BROKERS is empty unless given. */
  kafka?: boolean;
  /**
   * Which broker to run: the project's dev broker (Node only, starts in milliseconds) or a real
   * Apache Kafka 4.x from Maven Central (needs Java 17+ and Maven). Default: DEVSTACK_KAFKA, else dev.
   */
  broker?: KafkaKind;
  /**
   * Keep throwaway broker data on disk too, so that every embedded piece can be restarted on the
   * same port and data (chaos tests). Kept stacks are always restartable.
   */
  restartable?: boolean;
  log?: LogSink;
  /** Connection settings given here replace the embedded services. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export type KafkaKind = 'dev' | 'apache';
export const KAFKA_KINDS: readonly KafkaKind[] = ['dev', 'apache'];

/** The broker asked for by DEVSTACK_KAFKA; a value that is not a known kind is refused by name. */
export function kafkaKindFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaKind {
  const value = env.DEVSTACK_KAFKA?.trim();
  if (!value) return 'dev';
  if ((KAFKA_KINDS as readonly string[]).includes(value)) return value as KafkaKind;
  throw new Error(`DEVSTACK_KAFKA must be one of ${KAFKA_KINDS.join(', ')}; got "${value}"`);
}

export interface DevStackEnv {
  DATABASE_URL: string;
  SCHEMA_REGISTRY_URL: string;
  KAFKA_BROKERS: string;
}

export interface DevStack {
  env: DevStackEnv;
  startupMs: number;
  /** The broker this stack started ('dev' or 'apache'); undefined when KAFKA_BROKERS was given or Kafka was off. */
  broker?: KafkaKind;
  /** How long the broker took to become ready, when this stack started one. */
  brokerStartupMs?: number;
  /**
   * Stop-and-start of each embedded piece on the same port and data, `downMs` apart. Undefined for
   * a piece given from outside (its variable was set), and for an in-memory broker.
   */
  restartPostgres?: (options?: { downMs?: number }) => Promise<void>;
  restartKafka?: (options?: { downMs?: number }) => Promise<void>;
  restartRegistry?: (options?: { downMs?: number }) => Promise<void>;
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

    let broker: KafkaBrokerHandle | undefined;
    let brokerKind: KafkaKind | undefined;
    let brokerStartupMs: number | undefined;
    const kafka = (async (): Promise<string> => {
      const external = given(env.KAFKA_BROKERS);
      if (external) return external;
      if (options.kafka === false) return '';
      const kind = options.broker ?? kafkaKindFromEnv(env);
      const brokerStarted = Date.now();
      // Apache Kafka always keeps its data on disk (a throwaway directory unless the stack is kept).
      broker =
        kind === 'apache'
          ? await startApacheBroker({ dataDir: kafkaDir && path.join(kafkaDir, 'apache'), log })
          : await startDevBroker({ dataDir: kafkaDir, restartable: options.restartable });
      brokerKind = kind;
      brokerStartupMs = Date.now() - brokerStarted;
      stoppers.push(() => (broker as KafkaBrokerHandle).stop());
      log('info', 'kafka broker ready', { broker: kind, bootstrap: broker.bootstrap, startupMs: brokerStartupMs, dataDir: kafkaDir ?? (options.restartable ? 'temporary' : 'in-memory') });
      return broker.bootstrap;
    })();

    let pg: EmbeddedPostgres | undefined;
    let registry: SchemaRegistry | undefined;
    let registryPort = 0;
    let registryDb = '';
    const databaseAndRegistry = (async (): Promise<[string, string]> => {
      let databaseUrl = given(env.DATABASE_URL);
      let registryDatabaseUrl = databaseUrl;
      if (!databaseUrl) {
        const started = await startEmbeddedPostgres({
          ...(dataDir ? { dataDir: path.join(dataDir, 'postgres') } : {}),
          fresh: options.fresh ?? false,
          log: sink,
        });
        pg = started;
        stoppers.push(() => started.stop());
        databaseUrl = started.url;
        registryDatabaseUrl = await started.createDatabase(REGISTRY_DATABASE);
      }
      const externalRegistry = given(env.SCHEMA_REGISTRY_URL);
      if (externalRegistry) return [databaseUrl, externalRegistry];
      registryDb = registryDatabaseUrl as string;
      registry = await startSchemaRegistry({ databaseUrl: registryDb, log: sink });
      registryPort = Number(new URL(registry.url).port);
      // The current instance: a restart replaces it.
      stoppers.push(() => (registry as SchemaRegistry).stop());
      return [databaseUrl, registry.url];
    })();

    const results = await Promise.allSettled([databaseAndRegistry, kafka]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [[DATABASE_URL, SCHEMA_REGISTRY_URL], KAFKA_BROKERS] = [await databaseAndRegistry, await kafka];
    const startupMs = Date.now() - started;
    log('info', 'dev stack ready', { startupMs, persistent, dataDir: dataDir ?? 'temporary' });
    let stopped: Promise<void> | undefined;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const embeddedPg = pg;
    const embeddedBroker = broker;
    const restartable = persistent || options.restartable === true || brokerKind === 'apache';
    return {
      env: { DATABASE_URL, SCHEMA_REGISTRY_URL, KAFKA_BROKERS },
      startupMs,
      ...(brokerKind ? { broker: brokerKind, brokerStartupMs } : {}),
      restartPostgres: embeddedPg && ((opts) => embeddedPg.restart(opts)),
      restartKafka: embeddedBroker && restartable ? (opts) => embeddedBroker.restart(opts) : undefined,
      restartRegistry: registry
        ? async ({ downMs = 0 } = {}) => {
            if (stopped) throw new Error('the dev stack was stopped; the registry cannot be restarted');
            await (registry as SchemaRegistry).stop();
            log('info', 'schema registry stopped for a restart', { downMs });
            if (downMs > 0) await pause(downMs);
            registry = await startSchemaRegistry({ databaseUrl: registryDb, port: registryPort, log: sink });
            log('info', 'schema registry restarted', { url: registry.url });
          }
        : undefined,
      stop: () => (stopped ??= stopAll().then(() => log('info', 'dev stack stopped'))),
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
