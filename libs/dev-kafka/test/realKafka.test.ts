import { conformanceSuite } from './conformance';

/**
 * The same conformance suite against Apache Kafka, which keeps the dev broker honest. The repo's
 * jest global setup starts the broker (libs/devstack, Apache Kafka from Maven Central) and exports
 * KAFKA_BROKERS_APACHE; without Java it is skipped on a developer machine, and fails in CI.
 */
const apache = process.env.KAFKA_BROKERS_APACHE;
if (!apache && process.env.CI === 'true') throw new Error('CI must run the conformance suite on Apache Kafka: KAFKA_BROKERS_APACHE is not set');
const maybeDescribe = apache ? describe : describe.skip;
if (!apache) process.stderr.write('Apache Kafka conformance skipped: KAFKA_BROKERS_APACHE not set (needs Java 17+ and Maven)\n');

maybeDescribe('Apache Kafka: the same conformance suite', () => {
  conformanceSuite(() => apache as string);
});
