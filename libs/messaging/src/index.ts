export type { EventSerde, DecodedEvent } from './serde';
export { buildEnvelope, envelopeOf, newEventId, type Envelope, type EnvelopeInput, type EventValue } from './envelope';
export {
  NonRetryableError,
  InvalidEventError,
  isRetryable,
  isInfrastructureError,
  classifyFailure,
  type FailureKind,
  errorClass,
} from './errors';
export { Headers, headerString, headersToStrings } from './headers';
export { migrateMessaging, migrateSchema, MIGRATIONS_TABLE, type MigrateOptions, type SchemaMigration } from './migrate';
export { assertSchemaName, outboxChannel, InvalidSchemaNameError } from './schema-name';
export { outboxColumns, outboxInsertSql, outboxParameters, recordEvent, recordEvents, type OutboxEvent, type RecordOptions } from './outbox/record';
export { OutboxRelay, poisonRetryDelayMs, type RelayOptions } from './outbox/relay';
export { LaneLeases, OUTBOX_LANES, fairShare } from './outbox/lanes';
export {
  ConsumerRunner,
  type ConsumerRunnerOptions,
  type HandlerContext,
  type EventHandler,
  type BeforeCommit,
  type EmitEvent,
  type ConsumedEvent,
  type ConsumedMessage,
} from './consumer/runner';
export { claimInInbox, claimManyInInbox, pruneInbox } from './consumer/inbox';
export { deadLetterMessage } from './consumer/dlq';
export { replayDeadLetters, matchesFilter, replayMessage, ReplayFilterError, type ReplayFilter, type ReplayReport } from './dlq-replay';
export { createKafka, kafkaConfigOf, kafkaLogCreator, type KafkaClientOptions } from './kafka';
export { createDatabasePool, databaseReadiness, type DatabasePoolOptions } from './db/pool';
export { ListenConnection, type ListenConnectionOptions } from './db/listener';
export { ConsumerHealth, type ConsumerHealthState } from './consumer/health';
export { LagMonitor } from './consumer/lag';
export { ProduceFence, SendFencedError } from './outbox/fence';
export { outboxMetrics, consumerMetrics } from './metrics';
export { toStoredJson, fromStoredJson } from './stored-json';
export { PgListener, type PgListenerHandlers } from './pg-listener';
export * from './effects';
export { withTransaction, type TransactionOptions } from './db/transaction';
export { ServiceTables } from './db/service-tables';
export * from './service';
