import * as fs from 'node:fs';
import type { StartedKafkaContainer } from '@testcontainers/kafka';
import { conformanceSuite } from './conformance';

/** The same conformance suite against Apache Kafka, which keeps the dev broker honest. */
const dockerAvailable = Boolean(process.env.DOCKER_HOST) || fs.existsSync('/var/run/docker.sock');
const maybeDescribe = dockerAvailable ? describe : describe.skip;
if (!dockerAvailable) {
  // Written straight to stderr: jest drops console output of a file whose tests are all skipped.
  process.stderr.write('real Kafka conformance skipped: no Docker (neither DOCKER_HOST nor /var/run/docker.sock)\n');
}

/** Apache Kafka started by the dev stack (or by hand) when KAFKA_BROKERS_APACHE is set: no Docker needed. */
const apache = process.env.KAFKA_BROKERS_APACHE;
(apache ? describe : describe.skip)('Apache Kafka (KAFKA_BROKERS_APACHE): the same conformance suite', () => {
  conformanceSuite(() => apache!.split(',')[0]!);
});

maybeDescribe('Apache Kafka (testcontainers): the same conformance suite', () => {
  let container: StartedKafkaContainer;
  beforeAll(async () => {
    // Loaded only with Docker present: the module pulls in the whole Docker client stack.
    const { KafkaContainer } = await import('@testcontainers/kafka');
    container = await new KafkaContainer('confluentinc/cp-kafka:7.6.1').withKraft().start();
  }, 180_000);
  afterAll(() => container?.stop());
  conformanceSuite(() => `${container.getHost()}:${container.getMappedPort(9093)}`);
});
