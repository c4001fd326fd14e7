import { kafkaSecurityFromEnv } from '@retail-backbone/connections';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventSerde, provisionSchemas, provisionTopics } from '@retail-backbone/contracts';
import { defaultDataDir, startDevStack, type DevStack, type KafkaKind } from '@retail-backbone/devstack';
import { startChannelSimulators, type ChannelSimulators } from '@retail-backbone/channel-simulators';
import { startLoyaltySimulator, type RunningLoyaltySimulator } from '@retail-backbone/loyalty-simulator';
import { startOdooSimulator, type RunningOdooSimulator } from '@retail-backbone/odoo-simulator';
import { Kafka, logLevel } from 'kafkajs';
import { loadOrCreateCredentials } from './credentials';
import { freePort, waitUntilReady } from './readiness';
import { SERVICES, schemaNameOf, type ServiceDefinition } from './services';
import { Supervisor, type LineSink, type ServiceStatus, type SupervisorOptions } from './supervisor';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/**
 * Settings the local platform chooses differently from production (the environment still wins).
 * A consumer that is killed keeps its partitions until its session times out; locally a service
 * restarts in a few seconds, so 10 s instead of 30 s lets a restarted one take over sooner (chaos
 * kills one every few seconds), while staying well above Kafka's 6 s minimum.
 */
const LOCAL_SERVICE_DEFAULTS: Record<string, string> = { KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '10000' };

export interface PlatformOptions {
  dataDir?: string;
  /** Throwaway data (tests) instead of the kept `.devstack/` directory. */
  ephemeral?: boolean;
  fresh?: boolean;
  services?: readonly ServiceDefinition[];
  region?: string;
  logLevel?: string;
  /** Receives the launcher's own progress lines. */
  progress?: (line: string) => void;
  /** Receives every line a service prints. */
  serviceOutput: LineSink;
  readyTimeoutMs?: number;
  /**
   * Connection settings that replace the embedded infrastructure (default: process.env). Tests
   * pass `{}` so the platform gets a broker and database of its own.
   */
  infrastructureEnv?: NodeJS.ProcessEnv;
  /** Extra environment for every service (e.g. OTEL settings in tests). */
  serviceEnv?: Record<string, string>;
  /** Receives the supervisor's JSON log lines (exits, restarts). Default: progress. */
  supervisorLog?: (jsonLine: string) => void;
  /** Restart backoff of the supervisor (defaults in supervisor.ts). */
  supervision?: Pick<SupervisorOptions, 'initialDelayMs' | 'maxDelayMs' | 'stableAfterMs'>;
  /** Keep throwaway broker data on disk so every infrastructure piece can be restarted (chaos). */
  restartable?: boolean;
  /**
   * The broker to run. Default: DEVSTACK_KAFKA of the infrastructure environment, else dev; with
   * `infrastructureEnv: {}` (tests, chaos) that is always dev, so chaos names the broker here.
   */
  broker?: KafkaKind;
}

export interface ServiceEndpoint {
  name: string;
  url: string;
}

export interface RunningPlatform {
  /** Every endpoint and development credential, by the variable name scripts use. */
  env: Record<string, string>;
  services: ServiceEndpoint[];
  odoo: RunningOdooSimulator;
  /** Shopify, WooCommerce, POS-store and customer-hook simulators shipment-propagator calls. */
  channels: ChannelSimulators;
  /** The loyalty platform simulator (in memory; demo customers are enrolled on first use). */
  loyalty: RunningLoyaltySimulator;
  devstack: DevStack;
  /** Where the dev credentials of this run are kept. */
  credentialsDir: string;
  /** Restarts services that exit unexpectedly; its status is also in `statusFile`. */
  supervisor: Supervisor;
  statusFile: string;
  /** Services and their restart counts, for the summary. */
  status(): ServiceStatus[];
  startupMs: number;
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  const services = options.services ?? SERVICES;
  const dataDir = options.dataDir ?? defaultDataDir();
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    progress('starting PostgreSQL, schema registry and Kafka broker');
    const env = options.infrastructureEnv;
    const restartable = options.restartable;
    const broker = options.broker;
    const devstack = await startDevStack(options.ephemeral ? { fresh: options.fresh, env, restartable, broker } : { dataDir, persistent: true, fresh: options.fresh, env, broker });
    cleanups.push(() => devstack.stop());

    progress('starting the Odoo simulator');
    // its records live beside the other kept data, and --fresh discards them with it
    const odooDataFile = options.ephemeral ? undefined : path.join(dataDir, 'odoo-simulator', 'records.json');
    if (odooDataFile && options.fresh) fs.rmSync(odooDataFile, { force: true });
    const odoo = await startOdooSimulator({ port: 0, dataFile: odooDataFile });
    cleanups.push(() => odoo.stop());
    progress('starting the loyalty platform simulator');
    const loyalty = await startLoyaltySimulator({ port: 0, autoEnroll: true });
    cleanups.push(() => loyalty.stop());

    progress('starting the channel simulators (Shopify, WooCommerce, POS stores, customer hook)');
    const channels = await startChannelSimulators();
    cleanups.push(() => channels.close());

    progress('provisioning topics and schemas');
    await provision(devstack, services);

    const credentialsDir = options.ephemeral ? fs.mkdtempSync(path.join(os.tmpdir(), 'local-platform-')) : dataDir;
    if (options.ephemeral) cleanups.push(async () => fs.rmSync(credentialsDir, { recursive: true, force: true }));
    const credentials = loadOrCreateCredentials(credentialsDir);
    const statusFile = path.join(credentialsDir, 'platform-status.json');
    const supervisor = new Supervisor({ ...options.supervision, sink: options.serviceOutput, log: options.supervisorLog ?? progress, statusFile });
    cleanups.push(() => supervisor.stopAll());

    const endpoints: ServiceEndpoint[] = [];
    for (const service of services) {
      const port = await freePort();
      const serviceEnv = {
        ...LOCAL_SERVICE_DEFAULTS,
        ...process.env,
        ...devstack.env,
        ...options.serviceEnv,
        ...service.extraEnv({
          odoo: { url: odoo.url, database: odoo.database, apiKey: odoo.apiKey, login: odoo.login },
          secrets: { shopify: credentials.shopifyWebhookSecret, woocommerce: credentials.woocommerceWebhookSecret, stripe: credentials.stripeWebhookSecret },
          channels: channels.env(),
          loyalty: { url: loyalty.url, apiKey: loyalty.apiKey },
        }),
        SERVICE_NAME: service.name,
        DB_SCHEMA: service.schema ?? schemaNameOf(service.name),
        PORT: String(port),
        REGION: options.region ?? 'local',
        LOG_LEVEL: options.logLevel ?? 'info',
      };
      progress(`starting ${service.name} on port ${port}`);
      const child = supervisor.start({ name: service.name, command: process.execPath, args: ['--import', 'tsx', service.entry], env: serviceEnv, cwd: REPO_ROOT });
      endpoints.push({ name: service.name, url: `http://127.0.0.1:${port}` });
      await waitUntilReady(`http://127.0.0.1:${port}/readyz`, options.readyTimeoutMs ?? 90_000, () => child.exitCode === null && child.signalCode === null);
    }

    const url = (name: string) => endpoints.find((e) => e.name === name)?.url ?? '';
    const endpointsEnv: Record<string, string> = {
      ORDER_INGEST_URL: url('order-ingest'),
      INVENTORY_API_URL: url('inventory-projector'),
      ODOO_WRITER_URL: url('odoo-writer'),
      SHIPMENT_PROPAGATOR_URL: url('shipment-propagator'),
      SHOPIFY_ADMIN_URL: channels.shopify.url,
      WOOCOMMERCE_URL: channels.woocommerce.url,
      POS_NOTIFY_URL: channels.pos.url,
      CUSTOMER_HOOK_URL: channels.hook.url,
      ODOO_URL: odoo.url,
      ODOO_DATABASE: odoo.database,
      ODOO_API_KEY: odoo.apiKey,
      LOYALTY_SYNC_URL: url('loyalty-sync'),
      LOYALTY_PLATFORM_URL: loyalty.url,
      LOYALTY_PLATFORM_API_KEY: loyalty.apiKey,
      SHOPIFY_WEBHOOK_SECRET: credentials.shopifyWebhookSecret,
      WOOCOMMERCE_WEBHOOK_SECRET: credentials.woocommerceWebhookSecret,
      STRIPE_WEBHOOK_SECRET: credentials.stripeWebhookSecret,
      KAFKA_BROKERS: devstack.env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: devstack.env.SCHEMA_REGISTRY_URL,
      DATABASE_URL: devstack.env.DATABASE_URL,
    };
    return {
      env: endpointsEnv,
      services: endpoints,
      odoo,
      channels,
      loyalty,
      devstack,
      credentialsDir,
      supervisor,
      statusFile,
      status: () => supervisor.status(),
      startupMs: Date.now() - started,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function provision(devstack: DevStack, services: readonly ServiceDefinition[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'local-platform', brokers: devstack.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, ...kafkaSecurityFromEnv() });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const dlqs = services.flatMap((s) => s.consumes).map((spec) => {
      const [topic, group] = spec.split(':') as [string, string];
      return { topic, group };
    });
    await provisionTopics(admin, 1, dlqs);
  } finally {
    await admin.disconnect();
  }
  await provisionSchemas(new EventSerde({ registryUrl: devstack.env.SCHEMA_REGISTRY_URL }));
}
