import type { Server } from 'node:http';
import { EventSerde as AvroSerde } from '@retail-backbone/contracts';
import { CommonProblemTypes, createHttpApp, createLogger, createMetricsRegistry, listen, problemOf, sendProblem, type Logger, type ReadinessCheck, type Registry } from '@retail-backbone/observability';
import type { Express, NextFunction, Request, RequestHandler, Response } from '@retail-backbone/observability';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { ConsumerRunner, type ConsumerRunnerOptions } from '../consumer/runner';
import { ListenConnection, type ListenConnectionOptions } from '../db/listener';
import { createDatabasePool, databaseReadiness } from '../db/pool';
import { migrateEffects } from '../effects/migrate';
import { createKafka } from '../kafka';
import { migrateMessaging, migrateSchema } from '../migrate';
import { OutboxRelay, type RelayOptions } from '../outbox/relay';
import type { EventSerde } from '../serde';

/** A folder of versioned SQL migrations (node-pg-migrate) and the table that records them. */
export interface MigrationSet {
  dir: string;
  table: string;
}

/** What a consumer of the service declares: its group, topics and handlers; the kit adds the rest. */
export type ConsumerDeclaration = Pick<ConsumerRunnerOptions, 'groupId' | 'topics' | 'handler'> &
  Partial<Omit<ConsumerRunnerOptions, 'kafka' | 'pool' | 'schema' | 'serde' | 'service' | 'region' | 'logger' | 'registry'>>;

/** Something of the service's own that starts after the relay and stops before it (timers, caches, workers). */
export interface ServiceComponent {
  name: string;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** What the service's own factories are handed. */
export interface ServiceContext {
  name: string;
  region: string;
  schema: string;
  logger: Logger;
  registry: Registry;
  pool: pg.Pool;
  /** Absent when the service declared no Kafka settings. */
  kafka: Kafka | undefined;
  serde: EventSerde | undefined;
  relay: OutboxRelay | undefined;
  /** The runners of the declared consumers, in declaration order. */
  consumers: ConsumerRunner[];
  /** A LISTEN connection on the service database that reconnects by itself; started and stopped with the service. */
  listen(options: Pick<ListenConnectionOptions, 'channels' | 'onNotification' | 'onState'>): ListenConnection;
}

export interface ServiceDefinition {
  /** Names logs, metrics, Kafka client ids and the database connections (application_name). */
  name: string;
  region: string;
  logLevel?: string;
  logger?: Logger;
  registry?: Registry;
  database: {
    url: string;
    schema: string;
    poolSize?: number;
    /** A checkout waits at most this long (default 5 s) so an outage fails fast. */
    connectTimeoutMs?: number;
    /** The service's own migrations, applied after the messaging tables (outbox, inbox). */
    migrations?: MigrationSet[];
    /** Also apply the outside-effects table (services that call outside systems). */
    effects?: boolean;
    /** false: skip migrations at start (a tool that knows they ran). */
    migrate?: boolean;
  };
  kafka?: {
    brokers: string[];
    schemaRegistryUrl: string;
    autoRegisterSchemas?: boolean;
    /**
     * Every consumer's session timeout (default kafkajs' 30 s): after a crash the member's partitions
     * wait this long for a new owner. A declaration's own consumerConfig wins.
     */
    consumerSessionTimeoutMs?: number;
    /** Test seams: an existing client or serde instead of ones built from the settings. */
    client?: Kafka;
    serde?: EventSerde;
  };
  /** The outbox relay in this process (default on when Kafka is declared). */
  relay?: boolean | (Partial<Omit<RelayOptions, 'pool' | 'schema' | 'kafka' | 'serde' | 'logger' | 'registry'>> & { enabled?: boolean });
  consumers?: (ctx: Omit<ServiceContext, 'consumers'>) => ConsumerDeclaration[];
  /** Built once the relay and consumers exist (they may refer to them), started in order after the relay. */
  components?: (ctx: ServiceContext) => ServiceComponent[] | Promise<ServiceComponent[]>;
  http?: {
    port: number;
    host?: string;
    /** Adds the service's routes (and its not-found and error handlers) to the kit's app. */
    routes?: (app: Express, ctx: ServiceContext) => void;
    /** Extra readiness checks besides the database and the consumers. */
    readiness?: (ctx: ServiceContext) => ReadinessCheck[];
    beforeContext?: RequestHandler[];
    /** Keep-alive in ms, default 65 s (longer than load balancers' idle timeouts, so they close first). */
    keepAliveTimeoutMs?: number;
    /** false: build the app but bind no port (tests drive `app` directly). */
    bind?: boolean;
  };
}

export interface RunningService extends ServiceContext {
  app: Express | undefined;
  server: Server | undefined;
  port: number | undefined;
  /** Stops everything in reverse order of start, once (a second call waits for the first). */
  stop(): Promise<void>;
}

/** Applies the messaging tables, the effects table when asked, then the service's own sets. */
export async function migrateService(database: ServiceDefinition['database']): Promise<void> {
  await migrateMessaging({ databaseUrl: database.url, schema: database.schema });
  if (database.effects) await migrateEffects({ databaseUrl: database.url, schema: database.schema });
  for (const set of database.migrations ?? []) {
    await migrateSchema({ databaseUrl: database.url, schema: database.schema, dir: set.dir, migrationsTable: set.table });
  }
}

/**
 * Starts a service from its declaration: migrations, one pool (error listeners, fast-failing
 * checkouts), the outbox relay, the service's components, its consumers (readiness false after a
 * crash or a stalled fetch loop, lag on a timer), and HTTP with /healthz|/health/live,
 * /readyz|/health/ready (database within 2 s, every consumer, the service's checks) and /metrics.
 * A failure while starting stops what already started; `stop` drains in reverse order.
 */
export async function startService(definition: ServiceDefinition): Promise<RunningService> {
  const { name, region, database } = definition;
  const logger = definition.logger ?? createLogger({ service: name, level: definition.logLevel, defaultMeta: { region } });
  const registry = definition.registry ?? createMetricsRegistry({ service: name });
  if (database.migrate !== false) await migrateService(database);

  const stops: Array<{ name: string; stop: () => Promise<void> | void }> = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const step of stops.splice(0).reverse()) {
        await Promise.resolve()
          .then(step.stop)
          .catch((error: unknown) => logger.error('stop failed', { component: step.name, error }));
      }
    })());

  const pool = createDatabasePool({
    connectionString: database.url,
    max: database.poolSize,
    connectionTimeoutMillis: database.connectTimeoutMs,
    applicationName: name,
    logger,
  });
  stops.push({ name: 'pool', stop: () => pool.end() });

  try {
    const kafka = definition.kafka ? (definition.kafka.client ?? createKafka({ brokers: definition.kafka.brokers, clientId: name, logger })) : undefined;
    const serde = definition.kafka
      ? (definition.kafka.serde ?? new AvroSerde({ registryUrl: definition.kafka.schemaRegistryUrl, clientId: name, autoRegister: definition.kafka.autoRegisterSchemas }))
      : undefined;
    const relaySettings = typeof definition.relay === 'object' ? definition.relay : {};
    const relayWanted = Boolean(kafka) && definition.relay !== false && relaySettings.enabled !== false;
    const relay =
      relayWanted && kafka && serde
        ? new OutboxRelay({ producerName: name, ...relaySettings, pool, schema: database.schema, kafka, serde, logger, registry })
        : undefined;
    const listeners: ListenConnection[] = [];
    const base: Omit<ServiceContext, 'consumers'> = {
      name,
      region,
      schema: database.schema,
      logger,
      registry,
      pool,
      kafka,
      serde,
      relay,
      listen: (options) => {
        const connection = new ListenConnection({ ...options, connection: pool.options, logger });
        listeners.push(connection);
        return connection;
      },
    };
    const declared = definition.consumers?.(base) ?? [];
    if (declared.length > 0 && !(kafka && serde)) throw new Error(`${name}: consumers need the kafka settings`);
    const session = sessionSettings(definition.kafka?.consumerSessionTimeoutMs);
    const consumers = declared.map(
      (consumer) =>
        new ConsumerRunner({
          ...consumer,
          consumerConfig: { ...session, ...consumer.consumerConfig },
          kafka: kafka!,
          serde: serde!,
          pool,
          schema: database.schema,
          service: name,
          region,
          logger,
          registry,
        }),
    );
    const ctx: ServiceContext = { ...base, consumers };

    if (relay) {
      await relay.start();
      stops.push({ name: 'relay', stop: () => relay.stop() });
    }
    for (const component of (await definition.components?.(ctx)) ?? []) {
      await component.start?.();
      if (component.stop) stops.push({ name: component.name, stop: () => component.stop?.() });
    }
    for (const connection of listeners.splice(0)) {
      await connection.start();
      stops.push({ name: 'listen', stop: () => connection.stop() });
    }
    for (const runner of consumers) {
      await runner.start();
      stops.push({ name: 'consumer', stop: () => runner.stop() });
    }
    // A LISTEN connection asked for by a route factory starts with the routes.
    let app: Express | undefined;
    let server: Server | undefined;
    let port: number | undefined;
    if (definition.http) {
      const http = definition.http;
      app = createHttpApp({
        service: name,
        logger,
        registry,
        beforeContext: http.beforeContext,
        readiness: [{ name: 'database', check: databaseReadiness(pool) }, ...consumers.map((runner) => runner.readinessCheck()), ...(http.readiness?.(ctx) ?? [])],
        liveness: consumers.map((runner) => runner.livenessCheck()),
      });
      http.routes?.(app, ctx);
      // Past the service's own routes and handlers: an unknown route, or an error no handler
      // answered, still gets a problem body rather than Express' HTML page.
      app.use((_req: Request, res: Response) => sendProblem(res, problemOf(CommonProblemTypes.notFound, 'no such route')));
      app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
        if (res.headersSent) return next(error);
        const status = (error as { status?: unknown }).status;
        if (typeof status === 'number' && status >= 400 && status < 500) {
          return sendProblem(res, { ...problemOf(CommonProblemTypes.badRequest, 'the request could not be read'), status });
        }
        logger.error('request failed', { error });
        sendProblem(res, problemOf(CommonProblemTypes.internal, 'the request could not be served'));
      });
      for (const connection of listeners.splice(0)) {
        await connection.start();
        stops.push({ name: 'listen', stop: () => connection.stop() });
      }
      if (http.bind !== false) {
        const bound = await listen(app, http.port, http.host);
        server = bound.server;
        port = bound.port;
        server.keepAliveTimeout = http.keepAliveTimeoutMs ?? 65_000;
        stops.push({ name: 'http', stop: bound.close });
      }
    }
    return { ...ctx, app, server, port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The session timeout with a heartbeat well inside it: kafkajs' 3 s heartbeat, or a third of a
 * shorter session, so one late heartbeat does not cost the member its partitions.
 */
export function sessionSettings(sessionTimeoutMs: number | undefined): { sessionTimeout?: number; heartbeatInterval?: number } {
  if (sessionTimeoutMs === undefined) return {};
  return { sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)) };
}
