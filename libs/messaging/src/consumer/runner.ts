import { AsyncResource } from 'node:async_hooks';
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import {
  extractTraceContext,
  MESSAGING_SYSTEM_KAFKA,
  MessagingAttributes,
  withCorrelationId,
  type Logger,
  type Registry,
} from '@retail-backbone/observability';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { Partitioners, type Batch, type Consumer, type ConsumerConfig, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { buildEnvelope, envelopeOf, type Envelope } from '../envelope';
import { classifyFailure, errorClass, errorMessage } from '../errors';
import { headersToStrings } from '../headers';
import { consumerMetrics, type ConsumerMetrics } from '../metrics';
import { recordEvents, type OutboxEvent } from '../outbox/record';
import { assertSchemaName } from '../schema-name';
import type { EventSerde } from '../serde';
import { dlqTopic } from '@retail-backbone/contracts';
import { deadLetterMessage } from './dlq';
import { ConsumerHealth, type ConsumerHealthState } from './health';
import { LagMonitor } from './lag';
import { withTransaction } from '../db/transaction';
import { claimInInbox, claimManyInInbox, pruneInbox } from './inbox';

export interface ConsumedEvent {
  eventType: string;
  schemaId?: number;
  envelope: Envelope;
  value: Record<string, unknown>;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  timestamp: string;
}

/** An event to emit from a handler; the envelope is completed from the consumed event. */
export interface EmitEvent {
  topic: string;
  key: string;
  eventType: string;
  /** Event fields; `envelope` is added (or completed, when partly given). */
  value: Record<string, unknown> & { envelope?: Partial<Envelope> };
  headers?: Record<string, string>;
}

export interface HandlerContext {
  event: ConsumedEvent;
  message: ConsumedMessage;
  /** The transaction that also records the inbox entry; write the handler's state with it. */
  tx: PoolClient;
  /**
   * Identifies that transaction (unique within the runner; a retry is a new transaction), for
   * handlers that keep per-transaction state for `beforeCommit`: a rolled-back transaction's state
   * must not leak into the next one on the same client.
   */
  transactionId: number;
  /** Records an event in the outbox in `tx`, caused by and correlated with the consumed one. */
  emit(event: EmitEvent): Promise<void>;
  logger: Logger;
}

export type EventHandler = (ctx: HandlerContext) => Promise<void>;

/**
 * Runs once per transaction, after the handlers of its messages and before COMMIT, with the
 * contexts of the messages whose handler ran (duplicates are left out; not called when there are
 * none). Each item's `emit` records in that message's trace and correlation context.
 */
export type BeforeCommit = (tx: PoolClient, items: HandlerContext[]) => Promise<void>;

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  pool: Pool;
  /** Service schema holding the inbox and outbox tables. */
  schema: string;
  groupId: string;
  topics: string[];
  serde: EventSerde;
  handler: EventHandler;
  /**
   * Work done for a whole transaction at once (e.g. one batched write for all its messages). When
   * it (or COMMIT) fails for a transaction of several messages, the culprit is unknown: the
   * transaction is rolled back and its messages are applied again one per transaction, each of
   * which runs the hook too, so a poison message fails alone (retried, then dead-lettered) and the
   * others are applied once.
   */
  beforeCommit?: BeforeCommit;
  /** Service name and region stamped on emitted envelopes. */
  service: string;
  region: string;
  logger: Logger;
  registry: Registry;
  /**
   * Attempts before a failing message goes to the DLQ (default 5). Non-retryable errors go at
   * once; infrastructure errors (see classifyFailure) are retried without limit.
   */
  maxAttempts?: number;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Messages applied per transaction when nothing fails (default 50). */
  transactionBatchSize?: number;
  partitionsConsumedConcurrently?: number;
  fromBeginning?: boolean;
  /** Inbox rows older than this are pruned (default 30 days). */
  inboxRetentionMs?: number;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Producer for dead letters; one is created from `kafka` when absent. */
  producer?: Producer;
  /** Not ready after this long without a fetch, heartbeat or batch progress (default 20 s). */
  stalledAfterMs?: number;
  /** Lag is read from the broker's high watermarks this often (default 10 s). */
  lagIntervalMs?: number;
}

const tracer = () => trace.getTracer('@retail-backbone/messaging');

interface Decoded {
  message: KafkaMessage;
  /** null for a tombstone, which carries no event and is skipped. */
  event: ConsumedEvent | null;
}

/**
 * Consumes topics with kafkajs and applies each event exactly once per consumer group: the handler
 * runs in one Postgres transaction with the inbox insert (a duplicate event id is acknowledged
 * without effect) and with the events it emits; offsets are resolved only after that commit.
 * Partitions are processed in order, several at a time. Failures are retried with exponential
 * backoff and jitter, then dead-lettered, and the partition moves on.
 */
export class ConsumerRunner {
  private readonly schema: string;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly ownsProducer: boolean;
  private readonly metrics: ConsumerMetrics;
  private readonly maxAttempts: number;
  private readonly txBatchSize: number;
  private readonly backoff: ExponentialBackoff<unknown>;
  private abort = new AbortController();
  private pruneTimer: NodeJS.Timeout | undefined;
  private running = false;
  private transactions = 0;
  private readonly health: ConsumerHealth;
  private readonly lagMonitor: LagMonitor;

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.schema = assertSchemaName(options.schema);
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      ...options.consumerConfig,
    });
    this.ownsProducer = !options.producer;
    this.producer = options.producer ?? options.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
        maxInFlightRequests: 1,
      });
    this.metrics = consumerMetrics(options.registry);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.txBatchSize = options.transactionBatchSize ?? 50;
    this.backoff = new ExponentialBackoff({
      initialDelay: options.retryInitialDelayMs ?? 100,
      maxDelay: options.retryMaxDelayMs ?? 5_000,
    });
    this.health = new ConsumerHealth({ consumer: this.consumer, groupId: options.groupId, logger: options.logger, stalledAfterMs: options.stalledAfterMs });
    this.lagMonitor = new LagMonitor({
      kafka: options.kafka,
      groupId: options.groupId,
      topics: options.topics,
      gauge: this.metrics.lag,
      logger: options.logger,
      intervalMs: options.lagIntervalMs,
    });
  }

  /** Ready when running, not crashed and making progress (see ConsumerHealth). */
  healthState(): ConsumerHealthState {
    return this.health.state();
  }

  /** A readiness check for the service kit's /readyz. */
  readinessCheck(name = `consumer ${this.options.groupId}`): { name: string; check: () => void } {
    return {
      name,
      check: () => {
        const state = this.health.state();
        if (!state.ready) throw new Error(state.reason);
      },
    };
  }

  /** A liveness check for /healthz: fails only when kafkajs crashed for good (restart the process). */
  livenessCheck(name = `consumer ${this.options.groupId}`): { name: string; check: () => void } {
    return {
      name,
      check: () => {
        const state = this.health.state();
        if (state.dead) throw new Error(state.reason);
      },
    };
  }

  /** Exposed for kafkajs instrumentation events (GROUP_JOIN, CRASH …) and tests. */
  get kafkaConsumer(): Consumer {
    return this.consumer;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.abort = new AbortController();
    if (this.ownsProducer) await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
    this.health.started();
    this.lagMonitor.start();
    const retentionMs = this.options.inboxRetentionMs ?? 30 * 24 * 3600_000;
    this.pruneTimer = setInterval(() => {
      pruneInbox(this.options.pool, this.schema, retentionMs).catch((error) =>
        this.options.logger.warn('inbox pruning failed', { error }),
      );
    }, Math.min(retentionMs, 3600_000));
    this.pruneTimer.unref();
  }

  /** Finishes the message in hand, commits resolved offsets and leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.health.stopped();
    clearInterval(this.pruneTimer);
    this.abort.abort();
    await this.lagMonitor.stop();
    await this.consumer.disconnect();
    if (this.ownsProducer) await this.producer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const mark = this.health.batchStarted();
    try {
      await this.processBatch(payload, mark.progress);
    } finally {
      mark.done();
    }
  }

  private async processBatch(payload: EachBatchPayload, progress: () => void): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary } = payload;
    const heartbeat = async () => {
      progress();
      await payload.heartbeat();
    };
    const live = () => payload.isRunning() && !payload.isStale() && !this.abort.signal.aborted;
    const messages = batch.messages;
    let index = 0;
    // A failure seen while applying a chunk that was rolled back, kept for when its message comes up.
    let known: { index: number; error: unknown } | undefined;
    // Messages before this index go one per transaction: a transaction hook failed on their run.
    let aloneUntil = 0;
    while (index < messages.length && live()) {
      if (known?.index === index) {
        const message = messages[index]!;
        const done = await this.applyAlone(batch, message, live, heartbeat, known.error);
        if (!done) return;
        resolveOffset(message.offset);
        known = undefined;
        index += 1;
        continue;
      }
      const size = index < aloneUntil ? 1 : this.txBatchSize;
      const end = Math.min(index + size, known?.index ?? messages.length);
      const outcome = await this.applyTogether(batch, messages.slice(index, end));
      for (const message of messages.slice(index, index + outcome.committed)) resolveOffset(message.offset);
      if (outcome.failed) known = { index: index + outcome.failed.at, error: outcome.failed.error };
      if (outcome.split) aloneUntil = index + outcome.split;
      index += outcome.committed;
      await heartbeat();
    }
    await commitOffsetsIfNecessary();
    this.metrics.lag.set(
      { group: this.options.groupId, topic: batch.topic, partition: String(batch.partition) },
      Number(batch.offsetLag()),
    );
  }

  private async decode(message: KafkaMessage): Promise<ConsumedEvent | null> {
    if (message.value === null) return null;
    const decoded = await this.options.serde.decode(message.value);
    const envelope = envelopeOf(decoded.value);
    return {
      eventType: decoded.eventType,
      schemaId: decoded.schemaId,
      envelope,
      value: decoded.value as Record<string, unknown>,
    };
  }

  /**
   * Applies a run of messages in one transaction. Messages after one that cannot be decoded are
   * left for later; a failing handler rolls everything back. Returns how many leading messages were
   * committed and, if any, which one failed (relative to the run) and why; or, when the
   * transaction hook or COMMIT failed with several messages applied, how many leading messages to
   * apply again one per transaction to find the culprit.
   */
  private async applyTogether(
    batch: Batch,
    messages: KafkaMessage[],
  ): Promise<{ committed: number; failed?: { at: number; error: unknown }; split?: number }> {
    const decoded: Decoded[] = [];
    let undecodable: { at: number; error: unknown } | undefined;
    for (const [at, message] of messages.entries()) {
      try {
        const event = await this.decode(message);
        decoded.push({ message, event });
      } catch (error) {
        undecodable = { at, error };
        break;
      }
    }
    let current = 0;
    let handled: number[] = [];
    try {
      if (decoded.some((item) => item.event !== null)) {
        const transactionId = ++this.transactions;
        await withTransaction(this.options.pool, async (tx) => {
          handled = [];
          const fresh = await claimManyInInbox(
            tx,
            this.schema,
            decoded.flatMap(({ message, event }) => (event ? [this.inboxEntry(batch, message, event)] : [])),
          );
          const contexts: HandlerContext[] = [];
          for (const [at, item] of decoded.entries()) {
            current = at;
            if (!item.event) continue;
            const ctx = await this.applyOne(batch, item.message, item.event, { tx, transactionId }, fresh.delete(item.event.envelope.eventId));
            if (ctx) {
              contexts.push(ctx);
              handled.push(at);
            }
          }
          current = -1;
          await this.beforeCommit(tx, contexts);
        });
      }
    } catch (error) {
      if (current >= 0) return { committed: 0, failed: { at: current, error } };
      if (handled.length === 1) return { committed: 0, failed: { at: handled[0]!, error } };
      this.options.logger.warn('transaction failed after its handlers; applying its messages one per transaction', {
        topic: batch.topic,
        partition: batch.partition,
        first_offset: decoded[0]?.message.offset,
        messages: decoded.length,
        error_class: errorClass(error),
        error_message: errorMessage(error),
      });
      return { committed: 0, split: decoded.length };
    }
    return { committed: decoded.length, ...(undecodable ? { failed: undecodable } : {}) };
  }

  private async beforeCommit(tx: PoolClient, contexts: HandlerContext[]): Promise<void> {
    if (contexts.length > 0) await this.options.beforeCommit?.(tx, contexts);
  }

  /**
   * One message in its own transactions, retried with exponential backoff and jitter; dead-lettered
   * when it cannot succeed. Resolves false when the partition was released meanwhile.
   */
  private async applyAlone(
    batch: Batch,
    message: KafkaMessage,
    live: () => boolean,
    heartbeat: () => Promise<void>,
    firstError: unknown,
  ): Promise<boolean> {
    let attempts = 0;
    let failures = 0;
    let backoff: IBackoff<unknown> | undefined;
    let pending: { error: unknown } | undefined = { error: firstError };
    for (;;) {
      if (!live()) return false;
      attempts += 1;
      try {
        if (pending) throw pending.error;
        const event = await this.decode(message);
        if (event) {
          const transactionId = ++this.transactions;
          await withTransaction(this.options.pool, async (tx) => {
            const ctx = await this.applyOne(batch, message, event, { tx, transactionId });
            await this.beforeCommit(tx, ctx ? [ctx] : []);
          });
        }
        return true;
      } catch (error) {
        pending = undefined;
        const kind = classifyFailure(error);
        const infrastructure = kind === 'infrastructure';
        if (!infrastructure) failures += 1;
        if (kind === 'poison' || failures >= this.maxAttempts) {
          return this.deadLetterPatiently(batch, message, attempts, error, live, heartbeat);
        }
        this.metrics.retries.inc({ group: this.options.groupId, topic: batch.topic });
        backoff = (backoff ?? this.backoff).next(undefined);
        this.options.logger.warn('message failed; retrying', {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          attempts,
          infrastructure,
          retry_in_ms: Math.round(backoff.duration),
          error_class: errorClass(error),
          error_message: errorMessage(error),
        });
        await this.pause(backoff.duration);
        await heartbeat();
      }
    }
  }

  /** Waits, returning early when the runner stops. */
  private pause(ms: number): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  /**
   * A dead letter that cannot be written (broker away, DLQ topic missing) is retried with backoff
   * rather than thrown, which would restart the consumer and replay the partition from the last
   * commit. Resolves false when the partition was released meanwhile.
   */
  private async deadLetterPatiently(
    batch: Batch,
    message: KafkaMessage,
    attempts: number,
    error: unknown,
    live: () => boolean,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    let backoff: IBackoff<unknown> | undefined;
    for (;;) {
      try {
        await this.deadLetter(batch, message, attempts, error);
        return true;
      } catch (sendError) {
        if (!live()) return false;
        backoff = (backoff ?? this.backoff).next(undefined);
        this.options.logger.error('dead letter could not be written; retrying', {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          dlq_topic: dlqTopic(batch.topic, this.options.groupId),
          retry_in_ms: Math.round(backoff.duration),
          error_class: errorClass(sendError),
          error_message: errorMessage(sendError),
        });
        await this.pause(backoff.duration);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private async deadLetter(batch: Batch, message: KafkaMessage, attempts: number, error: unknown): Promise<void> {
    const topic = dlqTopic(batch.topic, this.options.groupId);
    await this.producer.send({
      topic,
      acks: -1,
      messages: [deadLetterMessage(message, { topic: batch.topic, partition: batch.partition, group: this.options.groupId, attempts, error })],
    });
    this.metrics.dlq.inc({ group: this.options.groupId, topic: batch.topic, error_class: errorClass(error) });
    this.options.logger.error('message dead-lettered', {
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      dlq_topic: topic,
      attempts,
      error_class: errorClass(error),
      error_message: errorMessage(error),
    });
  }

  private processSpan(batch: Batch, message: KafkaMessage, event: ConsumedEvent): { span: Span; ctx: Context } {
    const parent = extractTraceContext(message.headers, context.active());
    const span = tracer().startSpan(
      `process ${batch.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [MessagingAttributes.SYSTEM]: MESSAGING_SYSTEM_KAFKA,
          [MessagingAttributes.DESTINATION_NAME]: batch.topic,
          [MessagingAttributes.DESTINATION_PARTITION_ID]: String(batch.partition),
          [MessagingAttributes.OPERATION_NAME]: 'process',
          [MessagingAttributes.OPERATION_TYPE]: 'process',
          [MessagingAttributes.KAFKA_OFFSET]: Number(message.offset),
          [MessagingAttributes.CONSUMER_GROUP_NAME]: this.options.groupId,
          [MessagingAttributes.MESSAGE_ID]: event.envelope.eventId,
          ...(message.key ? { [MessagingAttributes.KAFKA_MESSAGE_KEY]: message.key.toString() } : {}),
        },
      },
      parent,
    );
    return { span, ctx: trace.setSpan(parent, span) };
  }

  private inboxEntry(batch: Batch, message: KafkaMessage, event: ConsumedEvent) {
    return {
      group: this.options.groupId,
      eventId: event.envelope.eventId,
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
    };
  }

  /**
   * `claimed` tells whether the inbox entry was already taken in `tx`; when absent it is taken here.
   * Resolves with the handler's context, or null for a duplicate.
   */
  private async applyOne(
    batch: Batch,
    message: KafkaMessage,
    event: ConsumedEvent,
    transaction: { tx: PoolClient; transactionId: number },
    claimed?: boolean,
  ): Promise<HandlerContext | null> {
    const { tx } = transaction;
    const started = process.hrtime.bigint();
    const { span, ctx } = this.processSpan(batch, message, event);
    const labels = { group: this.options.groupId, topic: batch.topic };
    let outcome = 'applied';
    try {
      const handled = await context.with(ctx, () =>
        withCorrelationId(event.envelope.correlationId, async () => {
          const fresh = claimed ?? (await claimInInbox(tx, this.schema, this.inboxEntry(batch, message, event)));
          if (!fresh) {
            outcome = 'duplicate';
            this.metrics.dedupHits.inc(labels);
            return null;
          }
          const handlerContext = this.handlerContext(batch, message, event, transaction);
          await this.options.handler(handlerContext);
          return handlerContext;
        }),
      );
      if (outcome === 'applied') this.metrics.processed.inc(labels);
      return handled;
    } catch (error) {
      outcome = 'failed';
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      span.setAttribute(MessagingAttributes.ERROR_TYPE, errorClass(error));
      throw error;
    } finally {
      span.setAttribute('messaging.outcome', outcome);
      span.end();
      this.metrics.processDuration.observe({ ...labels, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private handlerContext(
    batch: Batch,
    message: KafkaMessage,
    event: ConsumedEvent,
    { tx, transactionId }: { tx: PoolClient; transactionId: number },
  ): HandlerContext {
    const cause = event.envelope;
    const emit = async (out: EmitEvent) => {
      const envelope = buildEnvelope({
        eventType: out.eventType,
        producer: this.options.service,
        region: this.options.region,
        correlationId: cause.correlationId,
        causationId: cause.eventId,
        ...out.value.envelope,
      });
      const outboxEvent: OutboxEvent = {
        topic: out.topic,
        key: out.key,
        eventType: out.eventType,
        value: { ...out.value, envelope } as OutboxEvent['value'],
        headers: out.headers,
      };
      await recordEvents(tx, [outboxEvent], { schema: this.schema });
    };
    return {
      event,
      tx,
      transactionId,
      // Bound here, in the message's span and correlation context, so a transaction hook's calls record that context too.
      emit: AsyncResource.bind(emit),
      logger: this.options.logger,
      message: {
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        headers: headersToStrings(message.headers),
        timestamp: message.timestamp,
      },
    };
  }
}
