export { startDevStack, defaultDataDir, kafkaKindFromEnv, KAFKA_KINDS, type DevStack, type DevStackEnv, type DevStackOptions, type KafkaKind } from './devstack';
export { startApacheBroker, ensureApacheKafkaClasspath, ApacheKafkaUnavailable, APACHE_KAFKA_VERSION } from './kafka/apache-broker';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './postgres/embedded-postgres';
export { createTestDatabase, ensureDatabase, dropDatabase, databaseUrl, uniqueName, type TestDatabase } from './postgres/databases';
export { startSchemaRegistry, type SchemaRegistry, type SchemaRegistryOptions } from './registry/server';
export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './registry/avro';
export { jsonLogger, stderrSink, silentSink, type LogSink, type Logger } from './log';
export { ensureDebianPackage, findOnPath } from './tools/debian-packages';
export { freePort } from './ports';
