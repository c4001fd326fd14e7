/**
 * Test support shared by every service's tests (imported as `@retail-backbone/messaging/src/testing`,
 * never by production code): Kafka clients and consumer timings for tests, the real Avro serde for
 * private copies of catalog topics, a silent logger and a condition poller.
 */
import { EventSerde as AvroSerde } from '@retail-backbone/contracts';
import { createLogger, type Logger } from '@retail-backbone/observability';
import { logLevel, type Kafka } from 'kafkajs';
import { PassThrough } from 'node:stream';
import { createKafka } from './kafka';
import type { EventSerde } from './serde';

/** Consumer timings that let a rebalance after a killed member finish within seconds. */
export const FAST_CONSUMER = { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 6_000, maxWaitTimeInMs: 100 };

/** `retail.orders.v1.<unique>` → `retail.orders.v1`: tests publish to private copies of catalog topics. */
export function catalogTopic(topic: string): string {
  return topic.replace(/(\.v\d+)\..*$/, '$1');
}

/** The real Avro serde and registry (SCHEMA_REGISTRY_URL); a test topic maps to the catalog topic it copies. */
export function avroSerde(): EventSerde {
  const serde = new AvroSerde({ registryUrl: process.env.SCHEMA_REGISTRY_URL, autoRegister: true });
  return {
    encode: (topic, eventType, value) => serde.encode(catalogTopic(topic) as never, eventType as never, value as never),
    decode: (buffer) => serde.decode(buffer),
  };
}

let clients = 0;

/** A client of the test broker (KAFKA_BROKERS) that retries quickly and logs nothing. */
export function testKafka(clientId = `test-client-${process.pid}-${++clients}`): Kafka {
  return createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean),
    clientId,
    config: { logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, maxRetryTime: 1_000 } },
  });
}

/** A logger that writes nothing (below error), for services started by tests. */
export function silentLogger(service: string): Logger {
  return createLogger({ service, stream: new PassThrough().resume(), level: 'error' });
}

/** Polls `probe` until it returns a truthy value (returned), or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
