/**
 * KAFKA_SASL_* and KAFKA_TLS* against a real broker that requires SCRAM: the run's Apache Kafka,
 * which the jest global setup starts with SASL_PLAINTEXT and SASL_SSL listeners and one
 * SCRAM-SHA-512 user. The clients are made the way every service and tool makes them: createKafka
 * with the settings read from the environment. Runs wherever the Apache suites run (always in CI; jest.config.js decides).
 */
import { kafkaSecurityFromEnv } from '@retail-backbone/connections';
import { logLevel, type Kafka } from 'kafkajs';
import { createKafka } from '../src/kafka';

const bootstrap = process.env.KAFKA_BROKERS_APACHE_SCRAM;
if (!bootstrap) process.stderr.write('kafka-scram.test.ts skipped: no Apache Kafka in this run (see jest.config.js)\n');
if (!bootstrap && process.env.CI === 'true') throw new Error('CI runs Apache Kafka: KAFKA_BROKERS_APACHE_SCRAM must be set by the global setup');

const SCRAM_ENV = {
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: process.env.KAFKA_APACHE_SCRAM_USERNAME ?? '',
  KAFKA_SASL_PASSWORD: process.env.KAFKA_APACHE_SCRAM_PASSWORD ?? '',
};

/** `retries: 0` for the refusals; the happy path keeps kafkajs' retries (the first group join waits for the offsets topic). */
function client(env: Record<string, string>, clientId: string, retries?: number, brokers = [bootstrap!]): Kafka {
  return createKafka({
    brokers,
    clientId,
    security: kafkaSecurityFromEnv(env),
    config: { logLevel: logLevel.NOTHING, connectionTimeout: 5_000, authenticationTimeout: 5_000, ...(retries === undefined ? {} : { retry: { retries } }) },
  });
}

(bootstrap ? describe : describe.skip)('Kafka SASL/SCRAM from the environment, against Apache Kafka', () => {
  async function roundTrip(kafka: Kafka, topic: string): Promise<string> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'over scram' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<string>((resolve, reject) => {
      // kafkajs restarts itself after a retriable crash (a coordinator still loading); only a final one fails.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
    });
    try {
      return await received;
    } finally {
      await consumer.disconnect();
    }
  }

  it('creates a topic, produces and consumes through the SCRAM listener with the configured user', async () => {
    expect(await roundTrip(client(SCRAM_ENV, 'scram-test'), `scram-test-${Date.now()}`)).toBe('over scram');
  }, 120_000);

  it('does the same over TLS (KAFKA_TLS, KAFKA_TLS_CA_FILE), and refuses a broker certificate it was not told to trust', async () => {
    const brokers = [process.env.KAFKA_BROKERS_APACHE_TLS!];
    const tlsEnv = { ...SCRAM_ENV, KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: process.env.KAFKA_APACHE_TLS_CA_FILE! };
    expect(await roundTrip(client(tlsEnv, 'scram-tls-test', undefined, brokers), `scram-tls-test-${Date.now()}`)).toBe('over scram');
    const { KAFKA_TLS_CA_FILE: _trusted, ...systemStoreOnly } = tlsEnv;
    const untrusted = client(systemStoreOnly, 'scram-tls-untrusted', 0, brokers).admin();
    await expect(untrusted.connect()).rejects.toThrow(/self-signed certificate/);
    await untrusted.disconnect().catch(() => undefined);
  }, 120_000);

  it('is refused with a wrong password, and without SASL settings', async () => {
    const wrong = client({ ...SCRAM_ENV, KAFKA_SASL_PASSWORD: 'not-the-password-0123456789' }, 'scram-wrong', 0).admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    await wrong.disconnect().catch(() => undefined);
    // A client without KAFKA_SASL_* speaks plain Kafka: the broker answers its ApiVersions (allowed
    // before a handshake), then closes the connection at the first real request.
    const anonymous = client({}, 'scram-anonymous', 0).admin();
    await anonymous.connect();
    await expect(anonymous.listTopics()).rejects.toThrow(/Closed connection/);
    await anonymous.disconnect().catch(() => undefined);
  }, 60_000);
});
