/**
 * The topic catalog as data: the one place topic names, keys, event types and topic settings are
 * declared. Everything else (codegen, provisioning, AsyncAPI, serde) derives from it. Kept free of
 * imports from generated code so the code generator itself can read it.
 */

export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

/**
 * Public topics are read by teams that upgrade on their own schedule and by replays of old data,
 * so a change must be readable in both directions against every earlier version.
 */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'FULL_TRANSITIVE';

export const EVENT_NAMESPACE = 'com.retailbackbone.events';
export const COMMON_NAMESPACE = 'com.retailbackbone.common';

const DAY_MS = 24 * 60 * 60 * 1000;

interface TopicSpec {
  /** `<stream>` in `retail.<stream>.v<major>` and the folder under schemas/. */
  readonly stream: string;
  readonly major: number;
  readonly description: string;
  /** Event fields whose values, joined with '@', form the Kafka key. */
  readonly keyFields: readonly string[];
  readonly keyDescription: string;
  readonly eventTypes: readonly string[];
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** retention.ms; -1 keeps data forever (used with compaction). */
  readonly retentionMs: number;
}

const SPECS = [
  {
    stream: 'orders',
    major: 1,
    description: 'Order lifecycle facts captured from the channels: placement, cancellation, returns.',
    keyFields: ['orderId'],
    keyDescription: 'order id',
    eventTypes: ['OrderPlaced', 'OrderCancelled', 'ReturnReceived'],
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY_MS,
  },
  {
    stream: 'payments',
    major: 1,
    description: 'Captures and refunds reported by payment providers.',
    keyFields: ['orderId'],
    keyDescription: 'order id',
    eventTypes: ['PaymentCaptured', 'PaymentRefunded'],
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY_MS,
  },
  {
    stream: 'stock-movements',
    major: 1,
    description: 'Stock movements and counts from warehouse systems, stores and Odoo.',
    keyFields: ['sku', 'locationId'],
    keyDescription: 'sku@location',
    eventTypes: ['StockMovementRecorded', 'StockSnapshotTaken'],
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 35 * DAY_MS,
  },
  {
    stream: 'inventory-availability',
    major: 1,
    description: 'Current available-to-sell per SKU x location; compacted, the latest event per key is the state.',
    keyFields: ['sku', 'locationId'],
    keyDescription: 'sku@location',
    eventTypes: ['InventoryAvailabilityChanged'],
    partitions: 12,
    cleanupPolicy: 'compact',
    retentionMs: -1,
  },
  {
    stream: 'inventory-reservations',
    major: 1,
    description: "The inventory projector's verdict on each order's reservation: reserved, or refused because it would oversell.",
    keyFields: ['orderId'],
    keyDescription: 'order id',
    eventTypes: ['StockReservationRejected', 'StockReserved'],
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
  },
  {
    stream: 'erp-sync',
    major: 1,
    description: 'Outcome of writing orders to Odoo.',
    keyFields: ['orderId'],
    keyDescription: 'order id',
    eventTypes: ['OrderSyncedToErp', 'ErpSyncFailed'],
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
  },
  {
    stream: 'shipments',
    major: 1,
    description: 'Dispatches from warehouses and Odoo, and their propagation to channels.',
    keyFields: ['orderId'],
    keyDescription: 'order id',
    eventTypes: ['ShipmentDispatched', 'ShipmentPropagated'],
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY_MS,
  },
  {
    stream: 'loyalty',
    major: 1,
    description: 'Loyalty points credited, taken back, redeemed and restored on the loyalty platform, and the loyalty outcomes of bad input.',
    keyFields: ['customerId'],
    keyDescription: 'customer id',
    eventTypes: ['LoyaltyPointsAccrued', 'LoyaltyPointsReversed', 'LoyaltyPointsRedeemed', 'LoyaltyRedemptionRestored', 'LoyaltyActivityRejected'],
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY_MS,
  },
  {
    stream: 'reconciliation',
    major: 1,
    description: 'Discrepancies found and resolved by the reconciler.',
    keyFields: ['checkId'],
    keyDescription: 'check id',
    eventTypes: ['DiscrepancyDetected', 'DiscrepancyResolved'],
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
  },
  {
    stream: 'ingest-rejected',
    major: 1,
    description: 'Quarantine of inbound payloads order-ingest refused (contains PII; short retention).',
    keyFields: ['channelId'],
    keyDescription: 'channel id',
    eventTypes: ['IngestRejected'],
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 14 * DAY_MS,
  },
  {
    stream: 'operations',
    major: 1,
    description: 'Actions operators took through the ops console, with their outcome (the audit trail).',
    keyFields: ['actionId'],
    keyDescription: 'action id',
    eventTypes: ['OperatorActionRecorded'],
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 365 * DAY_MS,
  },
] as const satisfies readonly TopicSpec[];

type Spec = (typeof SPECS)[number];
export type TopicName = `retail.${Spec['stream']}.v${Spec['major']}`;
export type EventType = Spec['eventTypes'][number];

export interface TopicDefinition extends TopicSpec {
  readonly name: TopicName;
  readonly eventTypes: readonly EventType[];
}

export interface EventTypeDefinition {
  readonly eventType: EventType;
  readonly topic: TopicName;
  /** Major version: the N of the schema file name and of the envelope's schemaVersion. */
  readonly major: number;
  /** Avro full name of the record. */
  readonly fullName: string;
  /** Schema file path relative to the repository root. */
  readonly schemaPath: string;
  readonly compatibility: CompatibilityLevel;
}

/** Per-event-type overrides of DEFAULT_COMPATIBILITY; empty while every event follows the default. */
const COMPATIBILITY_OVERRIDES: Partial<Record<EventType, CompatibilityLevel>> = {};

export const TOPICS: readonly TopicDefinition[] = SPECS.map((spec) => ({
  ...spec,
  name: `retail.${spec.stream}.v${spec.major}` as TopicName,
}));

export const EVENT_TYPES: readonly EventTypeDefinition[] = TOPICS.flatMap((topic) =>
  topic.eventTypes.map((eventType) => ({
    eventType,
    topic: topic.name,
    major: topic.major,
    fullName: `${EVENT_NAMESPACE}.${eventType}`,
    schemaPath: `schemas/${topic.stream}/${eventType}.v${topic.major}.avsc`,
    compatibility: COMPATIBILITY_OVERRIDES[eventType] ?? DEFAULT_COMPATIBILITY,
  })),
);

export const EVENT_TYPE_NAMES: readonly EventType[] = EVENT_TYPES.map((e) => e.eventType);

const topicsByName = new Map<string, TopicDefinition>(TOPICS.map((t) => [t.name, t]));
const eventTypesByName = new Map<string, EventTypeDefinition>(EVENT_TYPES.map((e) => [e.eventType, e]));

export class UnknownTopicError extends Error {
  constructor(readonly topic: string) {
    super(`unknown topic '${topic}'; the catalog has ${TOPICS.map((t) => t.name).join(', ')}`);
    this.name = 'UnknownTopicError';
  }
}

export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`unknown event type '${eventType}'`);
    this.name = 'UnknownEventTypeError';
  }
}

export class EventTypeNotAllowedError extends Error {
  constructor(
    readonly topic: string,
    readonly eventType: string,
  ) {
    super(`event type '${eventType}' is not carried by topic '${topic}'`);
    this.name = 'EventTypeNotAllowedError';
  }
}

export function isEventType(name: string): name is EventType {
  return eventTypesByName.has(name);
}

export function getTopic(name: string): TopicDefinition {
  const topic = topicsByName.get(name);
  if (!topic) throw new UnknownTopicError(name);
  return topic;
}

export function getEventType(name: string): EventTypeDefinition {
  const def = eventTypesByName.get(name);
  if (!def) throw new UnknownEventTypeError(name);
  return def;
}

/** The topic an event type is published to. */
export function topicOf(eventType: EventType): TopicName {
  return getEventType(eventType).topic;
}

export function assertEventAllowed(topic: string, eventType: string): void {
  const def = getTopic(topic);
  if (!def.eventTypes.includes(eventType as EventType)) throw new EventTypeNotAllowedError(topic, eventType);
}

/** Schema registry subject under TopicRecordNameStrategy: `<topic>-<record full name>`. */
export function subjectFor(topic: string, eventType: string): string {
  return `${topic}-${EVENT_NAMESPACE}.${eventType}`;
}

/** Dead-letter topic of one consumer group for one source topic. */
export function dlqTopic(topic: string, group: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(group)) {
    throw new Error(`consumer group '${group}' cannot be part of a topic name (allowed: letters, digits, '.', '_', '-')`);
  }
  return `${topic}.dlq.${group}`;
}

export const DLQ_RETENTION_MS = 14 * DAY_MS;

/**
 * The consumer groups of the platform's services and the topics each reads. Every pair has a
 * dead-letter topic, provisioned with the catalog topics: on a cluster with auto-creation off, a
 * DLQ created on demand would make the first dead letter fail and block its partition.
 * A service that consumes adds its group here.
 */
export const CONSUMER_GROUPS: Readonly<Record<string, readonly TopicName[]>> = {
  'inventory-projector': ['retail.stock-movements.v1', 'retail.orders.v1', 'retail.shipments.v1'],
  'odoo-writer': ['retail.orders.v1', 'retail.shipments.v1'],
  'shipment-propagator': ['retail.orders.v1', 'retail.shipments.v1'],
};

export interface DlqTopicDefinition {
  readonly name: string;
  readonly sourceTopic: TopicName;
  readonly group: string;
}

export const DLQ_TOPICS: readonly DlqTopicDefinition[] = Object.entries(CONSUMER_GROUPS).flatMap(([group, topics]) =>
  topics.map((sourceTopic) => ({ name: dlqTopic(sourceTopic, group), sourceTopic, group })),
);

/** Kafka key of an event: its topic's key fields joined with '@' (e.g. 'SKU-1@store-12'). */
export function eventKey(eventType: EventType, value: object): string {
  const topic = getTopic(getEventType(eventType).topic);
  const record = value as Record<string, unknown>;
  return topic.keyFields
    .map((field) => {
      const part = record[field];
      if (typeof part !== 'string' || part === '') {
        throw new Error(`${eventType}: key field '${field}' must be a non-empty string`);
      }
      return part;
    })
    .join('@');
}
