/**
 * Setup file of the jest project "apache": its suites are the dev-broker suites again, with
 * KAFKA_BROKERS pointed at the Apache Kafka broker the global setup started.
 */
const apache = process.env.KAFKA_BROKERS_APACHE;
if (!apache) throw new Error('the "apache" jest project needs KAFKA_BROKERS_APACHE, set by the global setup when Apache Kafka started');
process.env.KAFKA_BROKERS = apache;
