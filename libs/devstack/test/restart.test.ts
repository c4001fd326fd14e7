import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { startDevStack, uniqueName } from '../src';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('restartable dev stack', () => {
  it('restarts PostgreSQL, the broker and the registry on the same addresses with their data', async () => {
    const stack = await startDevStack({ restartable: true, env: {} });
    try {
      const { DATABASE_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL } = stack.env;
      await query(DATABASE_URL, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$before$$)');
      const subject = uniqueName('restart');
      const registered = await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`, { method: 'POST', body: JSON.stringify({ schema: '"string"' }) });
      expect(registered.status).toBe(200);
      const kafka = new Kafka({ clientId: 'restart-test', brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });
      const topic = uniqueName('restart');
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'before' }] });
      await producer.disconnect();

      await stack.restartPostgres!({ downMs: 200 });
      await stack.restartKafka!({ downMs: 200 });
      await stack.restartRegistry!({ downMs: 200 });
      expect(stack.env).toEqual({ DATABASE_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL });

      expect(await query(DATABASE_URL, 'SELECT v FROM kept')).toEqual([{ v: 'before' }]);
      const versions = await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`);
      expect(await versions.json()).toEqual([1]);
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1);
    } finally {
      await stack.stop();
    }
  });

  it('offers no broker restart for an in-memory broker, which would lose its data', async () => {
    const stack = await startDevStack({ env: {} });
    try {
      expect(stack.restartKafka).toBeUndefined();
      expect(stack.restartPostgres).toBeDefined();
    } finally {
      await stack.stop();
    }
  });
});
