/**
 * OpenTelemetry messaging semantic-convention attribute names used for Kafka spans.
 * Kept as literals: the stable semantic-conventions entry point does not export the
 * still-incubating messaging names.
 */
export const MessagingAttributes = {
  SYSTEM: 'messaging.system',
  DESTINATION_NAME: 'messaging.destination.name',
  DESTINATION_PARTITION_ID: 'messaging.destination.partition.id',
  OPERATION_NAME: 'messaging.operation.name',
  OPERATION_TYPE: 'messaging.operation.type',
  MESSAGE_ID: 'messaging.message.id',
  KAFKA_MESSAGE_KEY: 'messaging.kafka.message.key',
  KAFKA_OFFSET: 'messaging.kafka.offset',
  CONSUMER_GROUP_NAME: 'messaging.consumer.group.name',
  BATCH_MESSAGE_COUNT: 'messaging.batch.message_count',
  ERROR_TYPE: 'error.type',
} as const;

export const MESSAGING_SYSTEM_KAFKA = 'kafka';
