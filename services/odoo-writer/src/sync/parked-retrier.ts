import { buildEnvelope, recordEvents, type EmitEvent, type Envelope } from '@retail-backbone/messaging';
import { withCorrelationId, type Logger } from '@retail-backbone/observability';
import type { Pool, PoolClient } from 'pg';
import type { WriterStore } from '../db/store';
import type { EventApplier } from './applier';

export interface ParkedRetrierOptions {
  pool: Pool;
  store: WriterStore;
  applier: EventApplier;
  logger: Logger;
  service: string;
  region: string;
  /** Time between passes; 0 disables the timer (the CLI runs passes itself). */
  intervalMs: number;
  /** Skip passes while Odoo is known to be down. */
  odooDown?: () => boolean;
  batchLimit?: number;
}

export interface RetryPassReport {
  attempted: number;
  resolved: number;
  stillParked: number;
  /** Set when Odoo or the database failed and the pass stopped early. */
  interruptedBy?: string;
}

/**
 * Retries parked events outside Kafka, the earliest of each order first, each in its own
 * transaction with the events it emits (caused by and correlated with the parked event).
 */
export class ParkedRetrier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: ParkedRetrierOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running || this.options.odooDown?.()) return;
      this.running = this.runOnce()
        .catch((error: unknown) => this.options.logger.error('parked retry pass failed', { error }))
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async runOnce(filter: { orderId?: string; ignoreSchedule?: boolean } = {}): Promise<RetryPassReport> {
    const { store, pool } = this.options;
    const report: RetryPassReport = { attempted: 0, resolved: 0, stillParked: 0 };
    const seen = new Set<string>();
    for (;;) {
      const due = (await store.dueParked(pool, this.options.batchLimit ?? 100, filter)).filter((row) => !seen.has(row.id));
      if (due.length === 0) break;
      for (const row of due) {
        seen.add(row.id);
        report.attempted += 1;
        try {
          const result = await this.retry(row.id);
          if (result === 'synced' || result === 'unchanged') report.resolved += 1;
        } catch (error) {
          report.interruptedBy = error instanceof Error ? error.name : String(error);
          this.options.logger.warn('parked retry pass interrupted', { error_class: report.interruptedBy, order_id: row.order_id });
          report.stillParked = await store.parkedCount(pool);
          return report;
        }
      }
    }
    report.stillParked = await store.parkedCount(pool);
    return report;
  }

  private async retry(id: string): Promise<string> {
    const { pool, store } = this.options;
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      const claimed = await store.claimParked(tx, id);
      if (!claimed) {
        await tx.query('ROLLBACK');
        return 'taken';
      }
      await store.lockOrder(tx, claimed.order_id);
      const cause = claimed.payload.envelope as Envelope;
      const result = await withCorrelationId(cause.correlationId, () =>
        this.options.applier.apply(claimed.event_type, claimed.payload, {
          tx,
          eventId: claimed.event_id,
          emit: (event) => this.emit(tx, cause, event),
          logger: this.options.logger,
          parked: claimed,
        }),
      );
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      tx.release();
    }
  }

  private emit(tx: PoolClient, cause: Envelope, event: EmitEvent): Promise<void> {
    const envelope = buildEnvelope({
      eventType: event.eventType,
      producer: this.options.service,
      region: this.options.region,
      correlationId: cause.correlationId,
      causationId: cause.eventId,
    });
    return recordEvents(tx, [{ topic: event.topic, key: event.key, eventType: event.eventType, value: { ...event.value, envelope } }], { schema: this.options.store.schema });
  }
}
