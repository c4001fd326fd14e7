/**
 * Serde through the dev schema registry started by the root jest global setup (SCHEMA_REGISTRY_URL).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import {
  DecodeError,
  EVENT_TYPES,
  EventSerde,
  EventValidationError,
  RegistryUnavailableError,
  getSchema,
  subjectFor,
  type EventType,
} from '../src';
import { sampleEvent } from '../src/testing';

const registryUrl = process.env.SCHEMA_REGISTRY_URL as string;
let serde: EventSerde;

beforeAll(async () => {
  serde = new EventSerde({ registryUrl });
  await serde.registerAll();
});

function header(schemaId: number): Buffer {
  const buffer = Buffer.alloc(5);
  buffer.writeInt32BE(schemaId, 1);
  return buffer;
}

/** Registers a schema under a subject of its own, so other test files never see it. */
async function registerElsewhere(schema: object): Promise<number> {
  const client = new SchemaRegistry({ host: registryUrl });
  const subject = `contracts-test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
  return id;
}

async function decodeError(buffer: Buffer, using: EventSerde = serde): Promise<DecodeError> {
  const error = await using.decode(buffer).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DecodeError);
  return error as DecodeError;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('EventSerde round trip', () => {
  it.each(EVENT_TYPES.map((e) => [e.eventType, e.topic]))('%s on %s', async (eventType, topic) => {
    const value = sampleEvent(eventType as EventType);
    const buffer = await serde.encode(topic, eventType as EventType, value);
    expect(buffer[0]).toBe(0);
    const schemaId = buffer.readInt32BE(1);
    const decoded = await new EventSerde({ registryUrl }).decode(buffer);
    expect(decoded).toEqual({ eventType, schemaId, value });
  });

  it('registerAll is idempotent and uses TopicRecordNameStrategy subjects', async () => {
    const again = await new EventSerde({ registryUrl }).registerAll();
    const first = await serde.schemaId('retail.orders.v1', 'OrderPlaced');
    expect(again.find((r) => r.eventType === 'OrderPlaced')).toEqual({
      topic: 'retail.orders.v1',
      eventType: 'OrderPlaced',
      subject: 'retail.orders.v1-com.retailbackbone.events.OrderPlaced',
      id: first,
    });
    const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subjectFor('retail.orders.v1', 'OrderPlaced'))}/versions`);
    expect(await response.json()).toEqual([1]);
  });

  it('refuses invalid values before encoding, naming the path', async () => {
    const value = sampleEvent('PaymentCaptured', { amount: { amount: '10.00', currency: 'EURO' } });
    await expect(serde.encode('retail.payments.v1', 'PaymentCaptured', value)).rejects.toThrow(EventValidationError);
    await expect(serde.encode('retail.payments.v1', 'PaymentCaptured', value)).rejects.toThrow(/amount\.currency/);
  });
});

describe('EventSerde schema evolution', () => {
  it('reads data written with an older version, filling defaults', async () => {
    const older = structuredClone(getSchema('OrderPlaced')) as { fields: Array<{ name: string }> };
    older.fields = older.fields.filter((f) => f.name !== 'shippingMethod' && f.name !== 'taxesIncluded');
    const olderId = await registerElsewhere(older);
    const value = sampleEvent('OrderPlaced') as unknown as Record<string, unknown>;
    delete value.shippingMethod;
    delete value.taxesIncluded;
    const buffer = Buffer.concat([header(olderId), avro.Type.forSchema(older as avro.Schema).toBuffer(value)]);
    const decoded = await serde.decode(buffer);
    expect(decoded.schemaId).toBe(olderId);
    expect(decoded.value).toEqual({ ...value, shippingMethod: null, taxesIncluded: false });
  });

  it('reads data written with a newer version, ignoring fields it does not know', async () => {
    const newer = structuredClone(getSchema('ShipmentPropagated')) as { fields: Array<Record<string, unknown>> };
    newer.fields.push({ name: 'notifiedVia', type: ['null', 'string'], default: null, doc: 'channel of the notification' });
    const newerId = await registerElsewhere(newer);
    const value = sampleEvent('ShipmentPropagated');
    const buffer = Buffer.concat([header(newerId), avro.Type.forSchema(newer as avro.Schema).toBuffer({ ...value, notifiedVia: 'email' })]);
    expect((await serde.decode(buffer)).value).toEqual(value);
  });
});

describe('EventSerde decode errors', () => {
  let validBuffer: Buffer;
  beforeAll(async () => {
    validBuffer = await serde.encode('retail.orders.v1', 'OrderCancelled', sampleEvent('OrderCancelled'));
  });

  it('wrong magic byte → BAD_MAGIC_BYTE', async () => {
    const bad = Buffer.from(validBuffer);
    bad[0] = 1;
    expect(await decodeError(bad)).toMatchObject({ code: 'BAD_MAGIC_BYTE', retryable: false });
    expect(await decodeError(Buffer.from('{"orderId":"1"}'))).toMatchObject({ code: 'BAD_MAGIC_BYTE' });
  });

  it('unknown schema id → UNKNOWN_SCHEMA_ID', async () => {
    const bad = Buffer.concat([header(987654), validBuffer.subarray(5)]);
    expect(await decodeError(bad)).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID', schemaId: 987654, retryable: false });
    expect(await decodeError(Buffer.concat([header(0), validBuffer.subarray(5)]))).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID' });
  });

  it('truncated header or payload → TRUNCATED', async () => {
    expect(await decodeError(validBuffer.subarray(0, 3))).toMatchObject({ code: 'TRUNCATED' });
    expect(await decodeError(validBuffer.subarray(0, validBuffer.length - 4))).toMatchObject({
      code: 'TRUNCATED',
      eventType: 'OrderCancelled',
    });
  });

  it('trailing bytes or semantically invalid content → INVALID_PAYLOAD', async () => {
    expect(await decodeError(Buffer.concat([validBuffer, Buffer.from([1, 2])]))).toMatchObject({ code: 'INVALID_PAYLOAD' });
    const type = avro.Type.forSchema(getSchema('PaymentCaptured') as avro.Schema);
    const id = await serde.schemaId('retail.payments.v1', 'PaymentCaptured');
    const bad = Buffer.concat([header(id), type.toBuffer(sampleEvent('PaymentCaptured', { amount: { amount: '1e5', currency: 'EUR' } }))]);
    const error = await decodeError(bad);
    expect(error).toMatchObject({ code: 'INVALID_PAYLOAD', issues: [{ path: 'amount.amount', message: expect.any(String) }] });
  });

  it('schema that is not a catalog event, or cannot be resolved → SCHEMA_MISMATCH', async () => {
    const foreignId = await registerElsewhere({ type: 'record', name: 'Thing', namespace: 'com.example', fields: [{ name: 'x', type: 'int' }] });
    expect(await decodeError(Buffer.concat([header(foreignId), Buffer.from([2])]))).toMatchObject({ code: 'SCHEMA_MISMATCH' });

    const incompatible = structuredClone(getSchema('OrderCancelled')) as { fields: Array<Record<string, unknown>> };
    const restock = incompatible.fields.find((f) => f.name === 'restock') as Record<string, unknown>;
    restock.type = 'string';
    delete restock.default;
    const incompatibleId = await registerElsewhere(incompatible);
    const error = await decodeError(Buffer.concat([header(incompatibleId), Buffer.from([0])]));
    expect(error).toMatchObject({ code: 'SCHEMA_MISMATCH', eventType: 'OrderCancelled' });

    const onWrongTopic = await serde.decode(validBuffer, { topic: 'retail.payments.v1' }).catch((e: unknown) => e);
    expect(onWrongTopic).toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringMatching(/not an event type of topic 'retail.payments.v1'/) });
    await expect(serde.decode(validBuffer, { topic: 'retail.orders.v1' })).resolves.toMatchObject({ eventType: 'OrderCancelled' });
  });

  it('registry down → RegistryUnavailableError (retryable), not a DecodeError', async () => {
    const down = new EventSerde({ registryUrl: `http://127.0.0.1:${await freePort()}`, registryRetries: 0 });
    const error = await down.decode(validBuffer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ retryable: true });
    const encodeError = await down.encode('retail.orders.v1', 'OrderCancelled', sampleEvent('OrderCancelled')).catch((e: unknown) => e);
    expect(encodeError).toBeInstanceOf(RegistryUnavailableError);
  });
});
