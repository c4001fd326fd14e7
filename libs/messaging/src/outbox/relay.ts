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
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { Kafka, Partitioners, type Message, type Producer, type TopicMessages } from 'kafkajs';
import pg from 'pg';
import { errorClass, errorMessage, isInfrastructureError, isRetryable } from '../errors';
import { Headers } from '../headers';
import { outboxMetrics, type OutboxMetrics } from '../metrics';
import { assertSchemaName, outboxChannel } from '../schema-name';
import type { EventSerde } from '../serde';
import { fromStoredJson } from '../stored-json';
import { ListenConnection } from '../db/listener';
import { kafkaConfigOf } from '../kafka';
import { ProduceFence, SendFencedError } from './fence';
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
  /**
   * Upper bound of one Kafka send (default a quarter of the lease). A send never outlives the
   * lease it started under: its produce requests are fenced at the socket past this deadline.
   */
  sendTimeoutMs?: number;
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
  private producer: Producer;
  private readonly fence = new ProduceFence();
  private readonly fencedKafka: Kafka;
  private readonly sendTimeoutMs: number;
  private readonly metrics: OutboxMetrics;
  private readonly listener: ListenConnection;
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
    this.sendTimeoutMs = options.sendTimeoutMs ?? Math.floor(this.leaseMs / 4);
    if (this.sendTimeoutMs >= this.leaseMs * 0.5) throw new Error('sendTimeoutMs must stay well below the lease (under half of leaseMs)');
    const config = kafkaConfigOf(options.kafka);
    if (config) {
      // Own connections, so only this relay's produce requests go through the fence.
      this.fencedKafka = new Kafka({ ...config, socketFactory: this.fence.socketFactory() });
    } else {
      this.fencedKafka = options.kafka;
      options.logger.warn('outbox relay sends are not fenced: its Kafka client was not made by createKafka', { schema: this.schema });
    }
    this.producer = this.newProducer();
    this.metrics = outboxMetrics(options.registry);
    this.listener = new ListenConnection({
      connection: options.pool.options,
      channels: [outboxChannel(this.schema)],
      logger: options.logger,
      onNotification: () => {
        this.notified = true;
        this.wake();
      },
      // Back after a loss: rows committed meanwhile sent no NOTIFY that reached us.
      onState: (listening) => {
        if (listening) this.wake();
      },
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.producer.connect();
    await this.listener.start();
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
    await this.listener.stop();
    await this.producer.disconnect();
  }

  private newProducer(): Producer {
    return this.fencedKafka.producer({
      // Murmur2 on the key, like the Java client: keys land where other producers put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: this.options.idempotent ?? true,
      maxInFlightRequests: this.options.idempotent === false ? undefined : 1,
      retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 500 },
    });
  }

  /** Produce requests refused by the fence since start (a paused relay resumed past its lease). */
  fencedRequests(): number {
    return this.fence.fencedRequests();
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
        // Whatever failed (a fenced send, the database), re-check the leases before the next batch.
        this.nextLeaseAt = 0;
        this.failureBackoff = (this.failureBackoff ?? failureBackoff).next(undefined);
        const delay = this.failureBackoff.duration;
        this.options.logger.error('outbox relay batch failed', { schema: this.schema, error, retry_in_ms: delay });
        await this.sleep(delay);
      }
    }
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
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

  /** Publishes one batch; resolves with the number of rows handled (published or parked). */
  async publishBatch(): Promise<number> {
    const lanes = this.leases.lanes();
    if (lanes.length === 0) return 0;
    const rows = await this.fetchBatch(lanes);
    if (rows.length === 0) return 0;
    const outgoing = await this.encode(rows);
    if (outgoing.length === 0) return rows.length;
    const deadline = Math.min(this.leases.validUntilMs(), Date.now() + this.sendTimeoutMs);
    if (deadline - Date.now() < MIN_SEND_WINDOW_MS) {
      // The lease view is (nearly) over: another instance may own these lanes soon. Renew first.
      for (const item of outgoing) item.span.end();
      this.nextLeaseAt = 0;
      return 0;
    }
    const sent = await this.send(outgoing, deadline);
    await this.markPublished(sent);
    return rows.length;
  }

  private async markPublished(sent: Outgoing[]): Promise<void> {
    if (sent.length === 0) return;
    await this.options.pool.query(
      `UPDATE "${this.schema}".outbox SET published_at = now(), attempts = attempts + 1, retry_at = NULL, last_error = NULL
       WHERE id = ANY($1::bigint[])`,
      [sent.map((item) => item.row.id)],
    );
    const ackedAt = Date.now();
    const perTopic = new Map<string, number>();
    for (const { row } of sent) {
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
      this.metrics.publishLatency.observe({ schema: this.schema }, (ackedAt - row.created_at.getTime()) / 1000);
    }
    for (const [topic, count] of perTopic) this.metrics.published.inc({ schema: this.schema, topic }, count);
    this.metrics.batchSize.observe({ schema: this.schema }, sent.length);
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

  /**
   * Parks a row that cannot be published (it failed to encode, or the broker refused it): its key
   * is held back from then on (later rows of the key are skipped in SQL) and the row is retried
   * after a growing back-off, or at once after `outbox-parked release` / `fix`.
   */
  private async markPoison(row: OutboxRow, error: unknown, reason: 'encode' | 'refused' = 'encode'): Promise<void> {
    const attempts = row.attempts + 1;
    const delayMs = poisonRetryDelayMs(attempts);
    await this.options.pool.query(
      `UPDATE "${this.schema}".outbox SET attempts = $2, retry_at = now() + $3::interval, last_error = $4 WHERE id = $1`,
      [row.id, attempts, `${delayMs} milliseconds`, `${errorClass(error)}: ${errorMessage(error)}`.slice(0, 2_000)],
    );
    if (reason === 'encode') this.metrics.encodeFailures.inc({ schema: this.schema, topic: row.topic, event_type: row.event_type });
    this.metrics.parked.inc({ schema: this.schema, topic: row.topic, reason });
    const message = reason === 'encode' ? 'outbox row cannot be encoded; its key is parked' : 'broker refused outbox row; its key is parked';
    this.options.logger.error(message, {
      schema: this.schema,
      outbox_id: row.id,
      topic: row.topic,
      message_key: row.message_key,
      event_type: row.event_type,
      event_id: row.event_id,
      attempts,
      retry_in_ms: delayMs,
      error_class: errorClass(error),
      error_message: errorMessage(error),
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

  /**
   * Sends the batch before `deadline`; resolves with the items the broker acknowledged. When the
   * broker refuses the batch for its content (a message too large, an invalid record), the rows are
   * sent one by one in id order so the refused ones can be parked for their key and the rest go.
   */
  private async send(outgoing: Outgoing[], deadline: number): Promise<Outgoing[]> {
    try {
      await this.sendBounded(topicMessagesOf(outgoing), deadline);
      for (const { span } of outgoing) span.end();
      return outgoing;
    } catch (error) {
      if (error instanceof SendFencedError || isInfrastructureError(error)) {
        endWithError(outgoing, error);
        throw error;
      }
      this.options.logger.warn('broker refused a batch; sending its rows one by one', {
        schema: this.schema,
        rows: outgoing.length,
        error_class: errorClass(error),
        error_message: errorMessage(error),
      });
    }
    const sent: Outgoing[] = [];
    const parkedKeys = new Set<string>();
    for (const [index, item] of outgoing.entries()) {
      if (parkedKeys.has(item.row.message_key)) {
        // Held back behind its parked predecessor; fetched again once that one is published.
        item.span.end();
        continue;
      }
      try {
        await this.sendBounded(topicMessagesOf([item]), deadline);
        item.span.end();
        sent.push(item);
      } catch (error) {
        if (error instanceof SendFencedError || isInfrastructureError(error)) {
          endWithError(outgoing.slice(index), error);
          await this.markPublished(sent);
          throw error;
        }
        endWithError([item], error);
        parkedKeys.add(item.row.message_key);
        await this.markPoison(item.row, error, 'refused');
      }
    }
    return sent;
  }

  /**
   * One sendBatch, fenced: its produce requests may be written only until `deadline`, and the
   * wait ends there too. A send given up this way may still be retried inside kafkajs; the fence
   * keeps any such retry off the wire, and the producer is replaced so its state starts clean.
   */
  private async sendBounded(topicMessages: TopicMessages[], deadline: number): Promise<void> {
    const remaining = deadline - Date.now();
    if (remaining < MIN_SEND_WINDOW_MS) throw new SendFencedError();
    this.fence.openUntil(deadline);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SendFencedError()), remaining);
    });
    const producer = this.producer;
    const sending = producer.sendBatch({ topicMessages, acks: -1, timeout: remaining });
    sending.catch(() => undefined);
    try {
      await Promise.race([sending, expired]);
    } catch (error) {
      if (error instanceof SendFencedError || causedByFence(error)) {
        this.metrics.sendsFenced.inc({ schema: this.schema });
        await this.replaceProducer(producer);
        throw new SendFencedError();
      }
      throw error;
    } finally {
      clearTimeout(timer);
      this.fence.close();
    }
  }

  private async replaceProducer(stale: Producer): Promise<void> {
    if (this.producer !== stale) return;
    this.producer = this.newProducer();
    void stale.disconnect().catch(() => undefined);
    await this.producer.connect();
  }
}

function topicMessagesOf(outgoing: Outgoing[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { row, message } of outgoing) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push(message);
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function endWithError(items: Outgoing[], error: unknown): void {
  for (const { span } of items) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    span.setAttribute(MessagingAttributes.ERROR_TYPE, errorClass(error));
    span.end();
  }
}

function causedByFence(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth += 1) {
    if (current instanceof SendFencedError) return true;
    const { originalError, cause } = current as { originalError?: unknown; cause?: unknown };
    current = originalError ?? cause;
  }
  return false;
}

/** Below this much time left, a send is not started (it could not complete). */
const MIN_SEND_WINDOW_MS = 50;

const failureBackoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000 });

