/**
 * Provisioning against a private in-memory dev broker (so topics auto-created by other test files
 * cannot interfere) and the run's shared dev registry.
 */
import { startBroker, type RunningBroker } from '@retail-backbone/dev-kafka';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { DLQ_TOPICS, EventSerde, TOPICS } from '../src';
import { dlqTopicConfig, provisionSchemas, provisionTopics, replicationSettings, topicConfig } from '../src/provision';

let broker: RunningBroker;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker({ port: 0, logLevel: 'silent', autoCreateTopics: false });
  admin = new Kafka({ clientId: 'contracts-provision-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

describe('provision', () => {
  it('creates every catalog topic and every consumer group DLQ once, with partitions and cleanup policy', async () => {
    const expected = [...TOPICS.map((t) => t.name), ...DLQ_TOPICS.map((d) => d.name)];
    const first = await provisionTopics(admin, 1);
    expect(first.map((a) => [a.topic, a.action])).toEqual(expected.map((name) => [name, 'created']));
    const second = await provisionTopics(admin, 1);
    expect(second.map((a) => [a.topic, a.action])).toEqual(expected.map((name) => [name, 'exists']));
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['retail.orders.v1.dlq.odoo-writer', 'retail.stock-movements.v1.dlq.inventory-projector']));

    const metadata = await admin.fetchTopicMetadata({ topics: ['retail.orders.v1', 'retail.inventory-availability.v1'] });
    expect(Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]))).toEqual({
      'retail.orders.v1': 12,
      'retail.inventory-availability.v1': 12,
    });
    const configs = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'retail.inventory-availability.v1', configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]?.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue).toBe('compact');
  });

  it('reports a partition count that differs from the catalog instead of changing it', async () => {
    await admin.deleteTopics({ topics: ['retail.loyalty.v1'] });
    await admin.createTopics({ topics: [{ topic: 'retail.loyalty.v1', numPartitions: 2 }], waitForLeaders: true });
    const actions = await provisionTopics(admin, 1);
    expect(actions.filter((a) => a.action !== 'exists')).toEqual([
      { topic: 'retail.loyalty.v1', action: 'partition_mismatch', partitions: 2, expectedPartitions: 6 },
    ]);
    const metadata = await admin.fetchTopicMetadata({ topics: ['retail.loyalty.v1'] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
    expect(topicConfig(TOPICS[0]!, 3).configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' });
  });

  it('creates the DLQ topic of an extra group with the source topic\'s partition count', async () => {
    const actions = await provisionTopics(admin, 1, [{ topic: 'retail.orders.v1', group: 'odoo-writer-blue' }]);
    expect(actions.at(-1)).toEqual({ topic: 'retail.orders.v1.dlq.odoo-writer-blue', action: 'created', partitions: 12, expectedPartitions: 12 });
    expect(dlqTopicConfig('retail.payments.v1', 'loyalty-sync', 1)).toMatchObject({ topic: 'retail.payments.v1.dlq.loyalty-sync', numPartitions: 6 });
    expect(() => dlqTopicConfig('retail.nope.v1', 'g', 1)).toThrow(/unknown topic/);
  });

  it('sets replication factor and min.insync.replicas on catalog and DLQ topics, and refuses impossible settings', () => {
    const prod = { replicationFactor: 3, minInsyncReplicas: 2 };
    expect(topicConfig(TOPICS[0]!, prod)).toMatchObject({ replicationFactor: 3 });
    expect(dlqTopicConfig('retail.orders.v1', 'odoo-writer', prod)).toMatchObject({ replicationFactor: 3 });
    expect(dlqTopicConfig('retail.orders.v1', 'odoo-writer', prod).configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' });
    expect(topicConfig(TOPICS[0]!, 1).configEntries).toContainEqual({ name: 'min.insync.replicas', value: '1' });
    expect(() => replicationSettings({ replicationFactor: 2, minInsyncReplicas: 3 })).toThrow(/min.insync.replicas must be an integer from 1 to the replication factor 2 \(got 3\)/);
    expect(() => replicationSettings(0)).toThrow(/replication factor must be a positive integer/);
  });

  it('registers every schema idempotently', async () => {
    const serde = new EventSerde({ registryUrl: process.env.SCHEMA_REGISTRY_URL });
    const first = await provisionSchemas(serde);
    const second = await provisionSchemas(serde);
    expect(first).toHaveLength(23);
    expect(second).toEqual(first);
  });
});
