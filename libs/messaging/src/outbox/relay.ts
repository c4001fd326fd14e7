import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  extractTraceContext,
  injectTraceContext,
  MESSAGING_SYSTEM_KAFKA,
  MessagingAttributes,
  type Logger,
  type Registry,
} from '@retail-backbone/observability';
import { ExponentialBackoff, handleAll, retry, type IBackoff } from 'cockatiel';
import { Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import pg from 'pg';
import { errorClass, errorMessage, isRetryable } from '../errors';
import { Headers } from '../headers';
import { outboxMetrics, type OutboxMetrics } from '../metrics';
import { assertSchemaName, outboxChannel } from '../schema-name';
import type { EventSerde } from '../serde';
import { fromStoredJson } from '../stored-json';
import { registerBacklogSource } from './backlog';
import { LaneLeases } from './lanes';

export interface RelayOptions {
  pool: pg.Pool;
  schema: string;
  kafka: Kafka;
  serde: EventSerde;
  /** Service name, used as the CloudEvents source header. */
  producerName: string;
  relayId?: string;
  /** Rows per Kafka send (default 500). */
  batchSize?: number;
  /** Sweep interval when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
  /** Lane lease duration (default 10 s); renewed every third of it. */
  leaseMs?: number;
  maxLanes?: number;
  /** Published rows are deleted after this long (default 7 days). */
  retentionMs?: number;
  cleanupIntervalMs?: number;
  /** Use kafkajs' idempotent producer (default true). */
  idempotent?: boolean;
  logger: Logger;
  registry: Registry;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  headers: Record<string, string>;
  trace_context: Record<string, string>;
  correlation_id: string | null;
  created_at: Date;
  attempts: number;
}

interface Outgoing {
  row: OutboxRow;
  message: Message;
  span: Span;
}

const tracer = () => trace.getTracer('@retail-backbone/messaging');

/** A row that failed to encode is retried after this back-off; its key stays blocked meanwhile. */
export function poisonRetryDelayMs(attempts: number): number {
  return Math.min(300_000, 1_000 * 2 ** Math.min(attempts, 20));
}

/**
 * Publishes committed outbox rows to Kafka, in order per key, in batches.
 *
 * Only rows written by transactions older than the snapshot xmin are read: no transaction still
 * running can then add a row that should have gone first (ids are assigned at insert, not at
 * commit). Each instance publishes only the lanes it leases, one batch at a time, and marks rows
 * published after the broker acknowledged them; a crash in between republishes (the inbox dedups).
 */
export class OutboxRelay {
  readonly relayId: string;
  private readonly schema: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly leases: LaneLeases;
  private readonly producer: Producer;
  private readonly metrics: OutboxMetrics;
  private listener: pg.Client | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private notified = false;
  private nextLeaseAt = 0;
  private nextCleanupAt = 0;
  private unregisterBacklog: (() => void) | undefined;
  private failureBackoff: IBackoff<unknown> | undefined;

  constructor(private readonly options: RelayOptions) {
    this.schema = assertSchemaName(options.schema);
    this.relayId = options.relayId ?? `relay-${randomUUID()}`;
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    this.cleanupIntervalMs = options.cleanupIntervalMs ?? 60_000;
    this.leases = new LaneLeases({
      pool: options.pool,
      schema: this.schema,
      relayId: this.relayId,
      leaseMs: this.leaseMs,
      maxLanes: options.maxLanes,
    });
    this.producer = options.kafka.producer({
      // Murmur2 on the key, like the Java client: keys land where other producers put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: options.idempotent ?? true,
      maxInFlightRequests: options.idempotent === false ? undefined : 1,
    });
    this.metrics = outboxMetrics(options.registry);
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.producer.connect();
    await this.listen();
    this.unregisterBacklog = registerBacklogSource(this.options.registry, this.options.pool, this.schema);
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    this.unregisterBacklog?.();
    await this.leases.release().catch((error) => this.options.logger.warn('lane release failed', { error }));
    this.metrics.lanesOwned.set({ schema: this.schema }, 0);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
    await this.producer.disconnect();
  }

  /** Lanes currently leased by this instance. */
  ownedLanes(): number[] {
    return this.leases.lanes();
  }

  private wake(): void {
    const resolve = this.wakeUp;
    this.wakeUp = undefined;
    resolve?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.options.pool.options);
    client.on('notification', () => {
      this.notified = true;
      this.wake();
    });
    client.on('error', (error) => {
      // The sweep keeps publishing; the listener is re-opened on the next loop turn.
      this.options.logger.warn('outbox listener lost', { schema: this.schema, error });
      if (this.listener === client) this.listener = undefined;
    });
    await client.connect();
    await client.query(`LISTEN "${outboxChannel(this.schema)}"`);
    this.listener = client;
  }

  private async run(): Promise<void> {
    let rereads = 0;
    while (this.running) {
      try {
        await this.housekeeping();
        this.notified = false;
        const published = await this.publishBatch();
        this.failureBackoff = undefined;
        if (published >= this.batchSize) continue;
        if (published > 0) {
          rereads = 0;
          continue;
        }
        // A NOTIFY can arrive before the row is under the xmin horizon: re-read a few times
        // shortly after a wake-up before falling back to the sweep interval.
        if (this.notified || rereads > 0) {
          rereads = rereads >= 5 ? 0 : rereads + 1;
          if (rereads > 0) {
            await this.sleep(10 * rereads);
            continue;
          }
        }
        if (!this.notified) await this.sleep(this.pollIntervalMs);
      } catch (error) {
        this.metrics.sendFailures.inc({ schema: this.schema });
        this.failureBackoff = (this.failureBackoff ?? failureBackoff).next(undefined);
        const delay = this.failureBackoff.duration;
        this.options.logger.error('outbox relay batch failed', { schema: this.schema, error, retry_in_ms: delay });
        await this.sleep(delay);
      }
    }
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (!this.listener) await this.listen().catch(() => undefined);
    if (now >= this.nextLeaseAt) {
      const lanes = await this.leases.maintain();
      this.metrics.lanesOwned.set({ schema: this.schema }, lanes.length);
      this.nextLeaseAt = now + this.leaseMs / 3;
    }
    if (now >= this.nextCleanupAt) {
      this.nextCleanupAt = now + this.cleanupIntervalMs;
      await this.deletePublished();
    }
  }

  /** Deletes published rows past retention in small chunks, to keep locks and WAL bursts short. */
  private async deletePublished(): Promise<void> {
    for (;;) {
      const result = await this.options.pool.query(
        `DELETE FROM "${this.schema}".outbox WHERE id IN (
           SELECT id FROM "${this.schema}".outbox
           WHERE published_at IS NOT NULL AND published_at < now() - $1::interval LIMIT 5000)`,
        [`${this.retentionMs} milliseconds`],
      );
      if ((result.rowCount ?? 0) < 5000) return;
    }
  }

  private async fetchBatch(lanes: number[]): Promise<OutboxRow[]> {
    const result = await this.options.pool.query<OutboxRow>(
      `SELECT o.id, o.topic, o.message_key, o.event_id, o.event_type, o.payload, o.headers,
              o.trace_context, o.correlation_id, o.created_at, o.attempts
       FROM "${this.schema}".outbox o
       WHERE o.published_at IS NULL
         AND o.lane = ANY($1::smallint[])
         AND o.txid < pg_snapshot_xmin(pg_current_snapshot())
         AND (o.retry_at IS NULL OR o.retry_at <= now())
         AND NOT EXISTS (
           SELECT 1 FROM "${this.schema}".outbox b
           WHERE b.published_at IS NULL AND b.retry_at IS NOT NULL
             AND b.lane = o.lane AND b.message_key = o.message_key AND b.id < o.id)
       ORDER BY o.id
       LIMIT $2`,
      [lanes, this.batchSize],
    );
    return result.rows;
  }

  /** Publishes one batch; resolves with the number of rows published. */
  async publishBatch(): Promise<number> {
    const lanes = this.leases.lanes();
    if (lanes.length === 0) return 0;
    const rows = await this.fetchBatch(lanes);
    if (rows.length === 0) return 0;
    const outgoing = await this.encode(rows);
    if (outgoing.length === 0) return 0;
    if (this.leases.lanes().length === 0) {
      // The lease view expired while encoding: another instance may own these lanes now.
      for (const item of outgoing) item.span.end();
      return 0;
    }
    await this.send(outgoing);
    const ids = outgoing.map((item) => item.row.id);
    await this.options.pool.query(
      `UPDATE "${this.schema}".outbox SET published_at = now(), attempts = attempts + 1, retry_at = NULL, last_error = NULL
       WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    const ackedAt = Date.now();
    const perTopic = new Map<string, number>();
    for (const { row } of outgoing) {
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
      this.metrics.publishLatency.observe({ schema: this.schema }, (ackedAt - row.created_at.getTime()) / 1000);
    }
    for (const [topic, count] of perTopic) this.metrics.published.inc({ schema: this.schema, topic }, count);
    this.metrics.batchSize.observe({ schema: this.schema }, outgoing.length);
    return outgoing.length;
  }

  /**
   * Encodes rows in id order. A row that cannot be encoded blocks its own key (the rest of its key
   * in this batch is held back, and later batches skip it in SQL) but not the other keys.
   */
  private async encode(rows: OutboxRow[]): Promise<Outgoing[]> {
    const blocked = new Set<string>();
    const outgoing: Outgoing[] = [];
    for (const row of rows) {
      if (blocked.has(row.message_key)) continue;
      let value: Buffer;
      try {
        value = await this.options.serde.encode(row.topic, row.event_type, fromStoredJson(row.payload));
      } catch (error) {
        if (isRetryable(error)) {
          for (const item of outgoing) item.span.end();
          throw error;
        }
        blocked.add(row.message_key);
        await this.markPoison(row, error);
        continue;
      }
      outgoing.push(this.prepare(row, value));
    }
    return outgoing;
  }

  private async markPoison(row: OutboxRow, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const delayMs = poisonRetryDelayMs(attempts);
    await this.options.pool.query(
      `UPDATE "${this.schema}".outbox SET attempts = $2, retry_at = now() + $3::interval, last_error = $4 WHERE id = $1`,
      [row.id, attempts, `${delayMs} milliseconds`, `${errorClass(error)}: ${errorMessage(error)}`],
    );
    this.metrics.encodeFailures.inc({ schema: this.schema, topic: row.topic, event_type: row.event_type });
    this.options.logger.error('outbox row cannot be encoded; its key is blocked', {
      schema: this.schema,
      outbox_id: row.id,
      topic: row.topic,
      event_type: row.event_type,
      event_id: row.event_id,
      attempts,
      retry_in_ms: delayMs,
      error_class: errorClass(error),
      error,
    });
  }

  /** The send span is a child of the context stored with the row, not of the relay's own. */
  private prepare(row: OutboxRow, value: Buffer): Outgoing {
    const parent = extractTraceContext(row.trace_context, ROOT_CONTEXT);
    const span = tracer().startSpan(
      `send ${row.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [MessagingAttributes.SYSTEM]: MESSAGING_SYSTEM_KAFKA,
          [MessagingAttributes.DESTINATION_NAME]: row.topic,
          [MessagingAttributes.OPERATION_NAME]: 'send',
          [MessagingAttributes.OPERATION_TYPE]: 'send',
          [MessagingAttributes.KAFKA_MESSAGE_KEY]: row.message_key,
          [MessagingAttributes.MESSAGE_ID]: row.event_id,
        },
      },
      parent,
    );
    const headers: Record<string, string> = {
      ...row.headers,
      ...injectTraceContext(trace.setSpan(parent, span)),
      [Headers.EVENT_ID]: row.event_id,
      [Headers.EVENT_TYPE]: row.event_type,
      [Headers.SOURCE]: this.options.producerName,
      [Headers.SPEC_VERSION]: '1.0',
    };
    if (row.correlation_id) headers[Headers.CORRELATION_ID] = row.correlation_id;
    return { row, span, message: { key: row.message_key, value, headers } };
  }

  private async send(outgoing: Outgoing[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { row, message } of outgoing) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push(message);
      byTopic.set(row.topic, messages);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      await sendWithRetry.execute(() => this.producer.sendBatch({ topicMessages, acks: -1 }));
      for (const { span } of outgoing) span.end();
    } catch (error) {
      for (const { span } of outgoing) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        span.setAttribute(MessagingAttributes.ERROR_TYPE, errorClass(error));
        span.end();
      }
      throw error;
    }
  }
}

const failureBackoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000 });

/** kafkajs retries internally too; this covers a broker that stays away for a few seconds. */
const sendWithRetry = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }) });
