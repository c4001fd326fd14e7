export { startDevStack, defaultDataDir, type DevStack, type DevStackEnv, type DevStackOptions } from './devstack';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './postgres/embedded-postgres';
export { createTestDatabase, ensureDatabase, dropDatabase, databaseUrl, uniqueName, type TestDatabase } from './postgres/databases';
export { startSchemaRegistry, type SchemaRegistry, type SchemaRegistryOptions } from './registry/server';
export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './registry/avro';
export { jsonLogger, stderrSink, silentSink, type LogSink, type Logger } from './log';
