import { startService } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import { createOdooClient } from '@retail-backbone/odoo-client';
import type pg from 'pg';
import { ODOO_WRITER_MIGRATIONS } from '../db/migrate';
import { OdooGateway, odooCircuit } from '../odoo/gateway';
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
 * The watcher process, declared for the service kit: the writer's migrations (its tables live in
 * the writer's schema), its own Odoo gateway (rate limit and circuit of its own, so a slow poll
 * never spends the writer's budget), the poll loop as a component, the Odoo circuit as a
 * readiness check. It publishes nothing itself: the writer's outbox relay does (no Kafka here).
 */
export async function startOdooWatcher(config: WatcherConfig, deps: OdooWatcherDeps = {}): Promise<RunningOdooWatcher> {
  const w = config.writer;
  let gateway!: OdooGateway;
  let watcher!: OdooWatcher;
  const service = await startService({
    name: w.serviceName,
    region: w.region,
    logLevel: w.logLevel,
    logger: deps.logger,
    registry: deps.registry,
    database: { url: w.databaseUrl, schema: w.schema, poolSize: 3, effects: true, migrations: [ODOO_WRITER_MIGRATIONS] },
    components: ({ pool, logger, registry }) => {
      const client = createOdooClient({ ...w.odoo, maxSockets: w.concurrency + 1, userAgent: `retail-backbone-${w.serviceName}` });
      gateway = new OdooGateway(client, {
        ratePerSecond: w.rateLimitPerSecond,
        concurrency: w.concurrency,
        circuit: odooCircuit(w.breakerThreshold, w.breakerHalfOpenMs),
        logger,
        registry,
      });
      watcher = new OdooWatcher({
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
      return [
        {
          name: 'odoo',
          stop: async () => {
            await gateway.stop();
            await client.close();
          },
        },
        { name: 'odoo-watcher', start: () => watcher.start(), stop: () => watcher.stop() },
      ];
    },
    http:
      w.port === undefined
        ? undefined
        : {
            port: w.port,
            readiness: () => [
              {
                name: 'odoo',
                check: () => {
                  if (gateway.isOpen) throw new Error('circuit open: Odoo unavailable, watching paused');
                },
              },
            ],
          },
  });
  service.logger.info('Odoo watcher started', { schema: w.schema, page_size: config.pageSize, poll_interval_ms: config.pollIntervalMs, overlap_seconds: config.overlapSeconds });
  return { watcher, pool: service.pool, port: service.port, stop: service.stop };
}
