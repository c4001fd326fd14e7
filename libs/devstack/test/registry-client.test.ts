import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { createTestDatabase, startSchemaRegistry, uniqueName, type SchemaRegistry as DevRegistry, type TestDatabase } from '../src';

const orderV1 = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'retail.orders',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'total', type: 'string' },
  ],
};

const orderV2 = {
  ...orderV1,
  fields: [...orderV1.fields, { name: 'channel', type: ['null', 'string'], default: null }],
};

describe('dev schema registry through @kafkajs/confluent-schema-registry', () => {
  let db: TestDatabase;
  let registry: DevRegistry;
  let client: SchemaRegistry;

  beforeAll(async () => {
    db = await createTestDatabase('registry_client');
    registry = await startSchemaRegistry({ databaseUrl: db.url });
    client = new SchemaRegistry({ host: registry.url }, { [SchemaType.AVRO]: {} });
  });

  afterAll(async () => {
    await registry?.stop();
    await db?.drop();
  });

  it('registers, encodes and decodes', async () => {
    const subject = uniqueName('orders-value');
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject });
    expect(id).toBeGreaterThan(0);
    const payload = { orderId: 'o-1', total: '12.50' };
    const encoded = await client.encode(id, payload);
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    // A fresh client has no cache, so decoding really fetches the schema by id.
    const fresh = new SchemaRegistry({ host: registry.url });
    expect(await fresh.decode(encoded)).toEqual(payload);
    expect(await fresh.getLatestSchemaId(subject)).toBe(id);
  });

  it('returns the same id for an identical schema, even written differently', async () => {
    const subject = uniqueName('identical-value');
    const first = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject });
    const reordered = JSON.stringify({ fields: orderV1.fields, namespace: orderV1.namespace, name: orderV1.name, type: 'record' }, null, 2);
    const second = await client.register({ type: SchemaType.AVRO, schema: reordered }, { subject });
    expect(second.id).toBe(first.id);
    const other = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject: uniqueName('other-value') });
    expect(other.id).toBe(first.id);
  });

  it('evolves compatibly and old data decodes with the new reader', async () => {
    const subject = uniqueName('evolve-value');
    const v1 = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject });
    const old = await client.encode(v1.id, { orderId: 'o-2', total: '1.00' });
    const v2 = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV2) }, { subject });
    expect(v2.id).not.toBe(v1.id);
    const decoded = await client.decode(old, { [SchemaType.AVRO]: { readerSchema: { ...orderV2, type: 'record' as const } } });
    expect(decoded).toEqual({ orderId: 'o-2', total: '1.00', channel: null });
    expect(await client.getLatestSchemaId(subject)).toBe(v2.id);
  });

  it('refuses an incompatible schema with 409 and error code 40901', async () => {
    const subject = uniqueName('refuse-value');
    await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject });
    const incompatible = { ...orderV1, fields: [...orderV1.fields, { name: 'storeId', type: 'string' }] };
    await expect(client.register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, { subject })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('storeId'),
    });
    const res = await fetch(`${registry.url}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(incompatible) }),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error_code: 40901 });
  });

  it('answers the client compatibility check', async () => {
    const subject = uniqueName('compat-value');
    await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderV1) }, { subject });
    const res = await fetch(`${registry.url}/compatibility/subjects/${subject}/versions/latest`, {
      method: 'POST',
      body: JSON.stringify({ schema: JSON.stringify(orderV2) }),
    });
    expect(await res.json()).toEqual({ is_compatible: true });
  });
});
