import { uniqueName } from '@retail-backbone/devstack';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import {
  createHttpApp,
  currentCorrelationId,
  InMemorySpanExporter,
  listen,
  startTelemetry,
  type ReadableSpan,
  type Telemetry,
} from '@retail-backbone/observability';
import type { Kafka } from 'kafkajs';
import { ConsumerRunner, type ConsumedEvent, type EventHandler } from '../src/consumer/runner';
import { OutboxRelay } from '../src/outbox/relay';
import { recordEvent } from '../src/outbox/record';
import {
  avroSerde,
  capturingLogger,
  catalogEvent,
  createTopics,
  FAST_CONSUMER,
  deleteTopics,
  inTx,
  migratedDatabase,
  registry,
  SCHEMA,
  testKafka,
  testTopic,
  waitFor,
  type TestDb,
} from './helpers';


describe('one trace from the HTTP request to the second consumer', () => {
  let t: TestDb;
  let kafka: Kafka;
  let telemetry: Telemetry;
  const exporter = new InMemorySpanExporter();
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'trace-test', spanExporter: exporter, instrumentations: false });
    kafka = testKafka();
    t = await migratedDatabase('tracing');
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await t.close();
    await telemetry.shutdown();
  });

  it('links request → outbox → relay → consumer → derived event → next consumer, in spans and log lines', async () => {
    const orders = testTopic('retail.orders.v1');
    const erp = testTopic('retail.erp-sync.v1');
    await createTopics(kafka, [orders, erp], 2);
    stops.push(() => deleteTopics(kafka, [orders, erp]));
    const { logger, lines } = capturingLogger('trace-test');
    const reg = registry();
    const serde = avroSerde();

    const app = createHttpApp({ service: 'trace-test', logger, registry: reg });
    let placedId = '';
    app.post('/orders/:id', async (req, res) => {
      const event = catalogEvent('OrderPlaced', orders, { orderId: req.params.id }, currentCorrelationId()!);
      placedId = event.value.envelope.eventId;
      await inTx(t.pool, (tx) => recordEvent(tx, event, { schema: SCHEMA }));
      logger.info('order accepted', { order_id: req.params.id, customer: { email: 'jane@example.com' } });
      res.status(202).json({ correlationId: currentCorrelationId() });
    });
    const server = await listen(app, 0, '127.0.0.1');
    stops.push(server.close);

    const relay = new OutboxRelay({ pool: t.pool, schema: SCHEMA, kafka, serde, producerName: 'trace-test', pollIntervalMs: 200, logger, registry: reg });
    await relay.start();
    stops.push(() => relay.stop());

    const syncer: EventHandler = async (ctx) => {
      ctx.logger.info('syncing order');
      const { envelope: _envelope, ...body } = sampleEvent('OrderSyncedToErp', { orderId: String(ctx.event.value.orderId) });
      await ctx.emit({ topic: erp, key: String(ctx.event.value.orderId), eventType: 'OrderSyncedToErp', value: body });
    };
    let synced: ConsumedEvent | undefined;
    const notifier: EventHandler = async (ctx) => {
      ctx.logger.info('order synced');
      synced = ctx.event;
    };
    for (const [topic, handler] of [[orders, syncer], [erp, notifier]] as const) {
      const runner = new ConsumerRunner({
        kafka,
        pool: t.pool,
        schema: SCHEMA,
        groupId: uniqueName('trace'),
        topics: [topic],
        serde,
        handler,
        service: 'trace-test',
        region: 'eu-west',
        logger,
        registry: reg,
        consumerConfig: FAST_CONSUMER,
      });
      await runner.start();
      stops.push(() => runner.stop());
    }

    const response = await fetch(`http://127.0.0.1:${server.port}/orders/order-trace-1`, {
      method: 'POST',
      headers: { 'x-correlation-id': 'corr-trace-1' },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-correlation-id')).toBe('corr-trace-1');
    await waitFor(async () => synced, 20_000);
    await telemetry.forceFlush();

    expect(synced!.envelope).toMatchObject({ correlationId: 'corr-trace-1', causationId: placedId, producer: 'trace-test' });
    const spans = exporter.getFinishedSpans();
    const named = (name: string): ReadableSpan => {
      const span = spans.find((s) => s.name === name);
      if (!span) throw new Error(`no span ${name} among ${spans.map((s) => s.name).join(', ')}`);
      return span;
    };
    const http = named('POST /orders/:id');
    const sendOrders = named(`send ${orders}`);
    const processOrders = named(`process ${orders}`);
    const sendErp = named(`send ${erp}`);
    const processErp = named(`process ${erp}`);
    const traceId = http.spanContext().traceId;
    for (const span of [sendOrders, processOrders, sendErp, processErp]) expect(span.spanContext().traceId).toBe(traceId);
    expect(sendOrders.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(processOrders.parentSpanContext?.spanId).toBe(sendOrders.spanContext().spanId);
    expect(sendErp.parentSpanContext?.spanId).toBe(processOrders.spanContext().spanId);
    expect(processErp.parentSpanContext?.spanId).toBe(sendErp.spanContext().spanId);
    expect(processOrders.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': orders,
      'messaging.kafka.message.key': 'order-trace-1',
      'messaging.operation.type': 'process',
      'messaging.message.id': placedId,
    });
    expect(typeof processOrders.attributes['messaging.kafka.offset']).toBe('number');
    expect(typeof processOrders.attributes['messaging.consumer.group.name']).toBe('string');

    const logged = lines();
    for (const message of ['order accepted', 'syncing order', 'order synced']) {
      const line = logged.find((l) => l.message === message);
      expect(line).toMatchObject({ trace_id: traceId, correlation_id: 'corr-trace-1', service: 'trace-test' });
    }
    expect(logged.find((l) => l.message === 'order accepted')).toMatchObject({ customer: { email: '[REDACTED]' } });
    expect(logged.find((l) => l.message === 'syncing order')!.span_id).toBe(processOrders.spanContext().spanId);
  });
});
