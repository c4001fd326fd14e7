import type { Logger } from '@retail-backbone/observability';
import type { Admin, Kafka } from 'kafkajs';
import type { Gauge } from 'prom-client';
import { errorMessage } from '../errors';

export interface LagMonitorOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  gauge: Gauge;
  logger: Logger;
  /** Default 10 s. */
  intervalMs?: number;
}

/**
 * Consumer lag from the broker: the high watermark of each partition minus the group's committed
 * offset, read on a timer. A consumer that is stuck, crashed or not assigned a partition reports
 * its lag growing, which per-batch figures cannot show (no batch, no update).
 */
export class LagMonitor {
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  constructor(private readonly options: LagMonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.reading ??= this.read().finally(() => (this.reading = undefined));
    }, this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  /** One reading; resolves even when the broker cannot be reached (the gauges keep their values). */
  async read(): Promise<void> {
    const { kafka, groupId, topics, gauge, logger } = this.options;
    try {
      if (!this.admin) {
        const admin = kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      const committed = await this.admin.fetchOffsets({ groupId, topics });
      for (const { topic, partitions } of committed) {
        const watermarks = await this.admin.fetchTopicOffsets(topic);
        const committedOf = new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
        for (const { partition, high, low } of watermarks) {
          const offset = committedOf.get(partition) ?? -1;
          // No commit yet: everything still retained counts as lag.
          const lag = Math.max(0, Number(high) - (offset >= 0 ? offset : Number(low)));
          gauge.set({ group: groupId, topic, partition: String(partition) }, lag);
        }
      }
    } catch (error) {
      logger.debug('consumer lag reading failed', { group: groupId, error_message: errorMessage(error) });
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
    }
  }
}
