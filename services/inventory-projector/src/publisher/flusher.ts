import { buildEnvelope, recordEvents, withTransaction, type OutboxEvent } from '@retail-backbone/messaging';
import type { Logger } from '@retail-backbone/observability';
import type { Pool } from 'pg';

export const AVAILABILITY_TOPIC = 'retail.inventory-availability.v1';

export interface FlusherOptions {
  pool: Pool;
  schema: string;
  service: string;
  region: string;
  /** At most one event per key per this many milliseconds (default 1000). */
  coalesceMs?: number;
  /** How often dirty keys are looked at (default coalesceMs / 5, at least 20 ms). */
  pollMs?: number;
  batchSize?: number;
  logger: Logger;
  onPublished?: (count: number) => void;
}

interface DirtyRow {
  sku: string;
  location_id: string;
  cause: string;
  cause_reference: string | null;
  correlation_id: string;
  causation_id: string | null;
  on_hand: number;
  reserved: number;
  version: string;
  published_version: string | null;
  published_on_hand: number | null;
  published_reserved: number | null;
}

/**
 * Turns the dirty-keys table into InventoryAvailabilityChanged events in the outbox. A key is
 * flushed only when its last publication is at least `coalesceMs` old, and it always carries the
 * row's current counts, so a burst of changes becomes a few events ending with the final value.
 */
export class AvailabilityFlusher {
  private readonly coalesceMs: number;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: FlusherOptions) {
    this.coalesceMs = options.coalesceMs ?? 1_000;
    this.pollMs = options.pollMs ?? Math.max(20, Math.floor(this.coalesceMs / 5));
    this.batchSize = options.batchSize ?? 500;
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .catch((error: unknown) => {
          this.options.logger.error('availability flush failed', { schema: this.options.schema, error });
        })
        .finally(() => this.schedule());
    }, this.pollMs);
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (await this.flushOnce()) >= this.batchSize);
  }

  /** One flush transaction; resolves with the number of dirty keys handled. */
  async flushOnce(): Promise<number> {
    const s = `"${this.options.schema}"`;
    const flushed = await withTransaction(this.options.pool, async (tx) => {
      const result = await tx.query<DirtyRow>(
        `SELECT d.sku, d.location_id, d.cause, d.cause_reference, d.correlation_id, d.causation_id,
                s.on_hand, s.reserved, s.version,
                p.version AS published_version, p.on_hand AS published_on_hand, p.reserved AS published_reserved
         FROM ${s}.availability_dirty d
         JOIN ${s}.stock s ON s.sku = d.sku AND s.location_id = d.location_id
         LEFT JOIN ${s}.availability_published p ON p.sku = d.sku AND p.location_id = d.location_id
         WHERE p.published_at IS NULL OR p.published_at <= now() - $1::interval
         ORDER BY d.marked_at
         LIMIT $2
         FOR UPDATE OF d SKIP LOCKED`,
        [`${this.coalesceMs} milliseconds`, this.batchSize],
      );
      const rows = result.rows;
      if (rows.length === 0) return { rows: 0, changed: 0 };
      const changed = rows.filter(
        (r) =>
          r.published_version === null ||
          (Number(r.version) > Number(r.published_version) && (r.on_hand !== r.published_on_hand || r.reserved !== r.published_reserved)),
      );
      const events: OutboxEvent[] = changed.map((r) => ({
        topic: AVAILABILITY_TOPIC,
        key: `${r.sku}@${r.location_id}`,
        eventType: 'InventoryAvailabilityChanged',
        value: {
          envelope: buildEnvelope({
            eventType: 'InventoryAvailabilityChanged',
            producer: this.options.service,
            region: this.options.region,
            correlationId: r.correlation_id,
            causationId: r.causation_id,
          }),
          sku: r.sku,
          locationId: r.location_id,
          onHand: r.on_hand,
          reserved: r.reserved,
          available: Math.max(0, r.on_hand - r.reserved),
          version: Number(r.version),
          cause: r.cause,
          causeReference: r.cause_reference,
        },
      }));
      await recordEvents(tx, events, { schema: this.options.schema });
      if (changed.length > 0) {
        await tx.query(
          `INSERT INTO ${s}.availability_published (sku, location_id, version, on_hand, reserved, published_at)
           SELECT sku, location_id, version, on_hand, reserved, now() FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::int[])
             AS t(sku, location_id, version, on_hand, reserved)
           ON CONFLICT (sku, location_id) DO UPDATE SET version = excluded.version, on_hand = excluded.on_hand,
             reserved = excluded.reserved, published_at = excluded.published_at`,
          [changed.map((r) => r.sku), changed.map((r) => r.location_id), changed.map((r) => r.version), changed.map((r) => r.on_hand), changed.map((r) => r.reserved)],
        );
      }
      await tx.query(
        `DELETE FROM ${s}.availability_dirty d USING unnest($1::text[], $2::text[]) AS k(sku, location_id)
         WHERE d.sku = k.sku AND d.location_id = k.location_id`,
        [rows.map((r) => r.sku), rows.map((r) => r.location_id)],
      );
      return { rows: rows.length, changed: changed.length };
    });
    if (flushed.changed > 0) this.options.onPublished?.(flushed.changed);
    return flushed.rows;
  }
}
