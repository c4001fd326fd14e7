/**
 * Personal data is not kept forever: rows older than a per-table age are deleted on a schedule, in
 * bounded batches so a large backlog never holds long locks, and the count deleted per table goes
 * to metrics. Several replicas may prune at once; each batch deletes rows that still exist.
 * ingest_requests must outlive the senders' retry windows (Shopify retries for 48 hours), and
 * channel_facts back de-duplication, so their ages are longer than a re-delivery can arrive.
 */
import type { Logger } from '@retail-backbone/observability';
import type { Pool } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The tables holding personal data and the column their age is read from. */
export const RETENTION_TABLES = {
  ingest_requests: 'created_at',
  rejections: 'received_at',
  channel_facts: 'accepted_at',
  fact_conflicts: 'received_at',
} as const;

export type RetentionTable = keyof typeof RETENTION_TABLES;

/** Days each table keeps rows; 0 keeps them forever. */
export type RetentionDays = Record<RetentionTable, number>;

export const DEFAULT_RETENTION_DAYS: RetentionDays = { ingest_requests: 30, rejections: 30, channel_facts: 400, fact_conflicts: 90 };

export interface RetentionOptions {
  pool: Pool;
  schema: string;
  days: RetentionDays;
  intervalMs: number;
  logger: Logger;
  registry: Registry;
  batchSize?: number;
  /** Batches per table and run; what is left waits for the next run. */
  maxBatches?: number;
}

export class RetentionPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly pruned: Counter<'table'>;
  private readonly lastRun: Gauge;

  constructor(private readonly options: RetentionOptions) {
    this.pruned = new Counter({ name: 'order_ingest_retention_pruned_total', help: 'Rows deleted by retention, by table', labelNames: ['table'], registers: [options.registry] });
    this.lastRun = new Gauge({ name: 'order_ingest_retention_last_run_seconds', help: 'Unix time of the last completed retention run', registers: [options.registry] });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.runOnce().catch((error: unknown) => this.options.logger.warn('retention run failed', { error }));
    await this.running;
    this.running = undefined;
  }

  /** Deletes what is past its age in every table; returns the rows deleted per table. */
  async runOnce(): Promise<Record<RetentionTable, number>> {
    const batchSize = this.options.batchSize ?? 5_000;
    const maxBatches = this.options.maxBatches ?? 100;
    const counts = { ingest_requests: 0, rejections: 0, channel_facts: 0, fact_conflicts: 0 } as Record<RetentionTable, number>;
    for (const [table, column] of Object.entries(RETENTION_TABLES) as Array<[RetentionTable, string]>) {
      const days = this.options.days[table];
      if (days <= 0) continue;
      for (let batch = 0; batch < maxBatches; batch++) {
        const result = await this.options.pool.query(
          `DELETE FROM "${this.options.schema}".${table} WHERE ctid = ANY (ARRAY(
             SELECT ctid FROM "${this.options.schema}".${table} WHERE ${column} < now() - make_interval(days => $1) LIMIT $2))`,
          [days, batchSize],
        );
        const deleted = result.rowCount ?? 0;
        counts[table] += deleted;
        this.pruned.inc({ table }, deleted);
        if (deleted < batchSize) break;
      }
    }
    this.lastRun.set(Date.now() / 1000);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (total > 0) this.options.logger.info('retention pruned rows', { ...counts });
    return counts;
  }
}
