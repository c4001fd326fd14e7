import { postgresConnection } from '@retail-backbone/connections';
import { createHttpApp, createLogger, createMetricsRegistry, listen, type Logger, type Registry } from '@retail-backbone/observability';
import { createOdooClient } from '@retail-backbone/odoo-client';
import pg from 'pg';
import { migrateOdooWriter } from '../db/migrate';
import { OdooGateway } from '../odoo/gateway';
import type { WatcherConfig } from './config';
import { OdooWatcher } from './watcher';

export interface OdooWatcherDeps {
  logger?: Logger;
  registry?: Registry;
  /** Test seam: runs inside each page's transaction right before COMMIT. */
  beforeCommit?: (entries: number) => void;
}

export interface RunningOdooWatcher {
  readonly watcher: OdooWatcher;
  readonly pool: pg.Pool;
  readonly port: number | undefined;
  stop(): Promise<void>;
}

/**
 * The watcher process: the writer's migrations (its tables live in the writer's schema), its own
 * Odoo gateway (rate limit and breaker of its own, so a slow poll never holds up the writer's
 * calls in the same process budget), the poll loop and /healthz, /readyz, /metrics. It publishes
 * nothing itself: the writer's outbox relay does.
 */
export async function startOdooWatcher(config: WatcherConfig, deps: OdooWatcherDeps = {}): Promise<RunningOdooWatcher> {
  const w = config.writer;
  const logger = deps.logger ?? createLogger({ service: w.serviceName, level: w.logLevel, defaultMeta: { region: w.region } });
  const registry = deps.registry ?? createMetricsRegistry({ service: w.serviceName });
  await migrateOdooWriter(w.databaseUrl, w.schema);
  const pool = new pg.Pool({ ...postgresConnection(w.databaseUrl), max: 3 });
  const client = createOdooClient({ ...w.odoo, maxSockets: w.concurrency + 1, userAgent: `retail-backbone-${w.serviceName}` });
  const gateway = new OdooGateway(client, {
    ratePerSecond: w.rateLimitPerSecond,
    concurrency: w.concurrency,
    breakerThreshold: w.breakerThreshold,
    halfOpenAfterMs: w.breakerHalfOpenMs,
    logger,
    registry,
  });
  const watcher = new OdooWatcher({
    pool,
    schema: w.schema,
    odoo: gateway,
    logger,
    registry,
    service: w.serviceName,
    region: w.region,
    pageSize: config.pageSize,
    overlapSeconds: config.overlapSeconds,
    pollIntervalMs: config.pollIntervalMs,
    locations: config.locations,
    startAt: config.startAt,
    beforeCommit: deps.beforeCommit,
  });
  watcher.start();
  let http: Awaited<ReturnType<typeof listen>> | undefined;
  if (w.port !== undefined) {
    const app = createHttpApp({
      service: w.serviceName,
      logger,
      registry,
      readiness: [
        { name: 'database', check: async () => void (await pool.query('SELECT 1')) },
        {
          name: 'odoo',
          check: () => {
            if (gateway.isOpen) throw new Error('circuit open: Odoo unavailable, watching paused');
          },
        },
      ],
    });
    http = await listen(app, w.port);
  }
  logger.info('Odoo watcher started', { schema: w.schema, page_size: config.pageSize, poll_interval_ms: config.pollIntervalMs, overlap_seconds: config.overlapSeconds });
  let stopping: Promise<void> | undefined;
  return {
    watcher,
    pool,
    port: http?.port,
    stop: () =>
      (stopping ??= (async () => {
        await http?.close();
        await watcher.stop();
        await gateway.stop();
        await client.close();
        await pool.end();
      })()),
  };
}
