/**
 * Avro serde in the Confluent wire format (0x00, big-endian int32 schema id, Avro binary) with
 * subjects under TopicRecordNameStrategy, on top of @kafkajs/confluent-schema-registry.
 * Producers encode with the current schema of an event type; consumers decode any registered
 * version, resolved into the current (reader) schema of that event type.
 */
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { registryAuthFromEnv, type RegistryAuth } from '@retail-backbone/connections';
import type * as avro from 'avsc';
import { getAvroType, getSchemaText } from './catalog';
import { DecodeError, RegistryUnavailableError, SchemaNotRegisteredError, SchemaRegistrationError } from './errors';
import { classifyRegistryError } from './registry-errors';
import {
  assertEventAllowed,
  EVENT_NAMESPACE,
  EVENT_TYPES,
  getEventType,
  getTopic,
  isEventType,
  subjectFor,
  type EventType,
  type TopicName,
} from './topics';
import { validateEvent, EventValidationError } from './validation';
import type { EventPayloads } from './generated/types';

export const MAGIC_BYTE = 0;
export const WIRE_HEADER_LENGTH = 5;

export interface EventSerdeOptions {
  /** Registry base URL; defaults to SCHEMA_REGISTRY_URL. */
  registryUrl?: string;
  clientId?: string;
  /** Register a missing schema on first encode instead of failing (development only). */
  autoRegister?: boolean;
  /** Validate values (shape and semantic rules) before encoding; default true. */
  validateOnEncode?: boolean;
  /** Apply the semantic rules (currency, decimals, envelope) to decoded values; default true. */
  validateOnDecode?: boolean;
  /** Retries of idempotent registry reads inside the client (default 3). */
  registryRetries?: number;
  /** Basic auth; read from SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD when not given. */
  registryAuth?: RegistryAuth;
}

export interface RegisteredSubject {
  topic: TopicName;
  eventType: EventType;
  subject: string;
  id: number;
}

export type DecodedEvent = {
  [T in EventType]: { eventType: T; schemaId: number; value: EventPayloads[T] };
}[EventType];

interface ReaderForId {
  eventType: EventType;
  reader: avro.Type;
  resolver: avro.Resolver;
}

export class EventSerde {
  private readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly readers = new Map<number, Promise<ReaderForId>>();
  private readonly options: Required<Omit<EventSerdeOptions, 'registryUrl' | 'clientId' | 'registryRetries' | 'registryAuth'>>;

  constructor(options: EventSerdeOptions = {}) {
    const host = options.registryUrl ?? process.env.SCHEMA_REGISTRY_URL;
    if (!host) throw new Error('EventSerde needs registryUrl or SCHEMA_REGISTRY_URL');
    const auth = options.registryAuth ?? registryAuthFromEnv();
    this.registry = new SchemaRegistry({
      host,
      ...(auth ? { auth } : {}),
      clientId: options.clientId ?? 'retail-backbone-contracts',
      retry: { retries: options.registryRetries ?? 3 },
    });
    this.options = {
      autoRegister: options.autoRegister ?? false,
      validateOnEncode: options.validateOnEncode ?? true,
      validateOnDecode: options.validateOnDecode ?? true,
    };
  }

  /** Registers the current schema of every event type under its subject (deploy time). Idempotent. */
  async registerAll(): Promise<RegisteredSubject[]> {
    const registered: RegisteredSubject[] = [];
    for (const def of EVENT_TYPES) {
      const id = await this.register(def.topic, def.eventType);
      registered.push({ topic: def.topic, eventType: def.eventType, subject: subjectFor(def.topic, def.eventType), id });
    }
    return registered;
  }

  /** Registers the current schema of one event type with its catalog compatibility level; returns its id. */
  async register(topic: TopicName, eventType: EventType): Promise<number> {
    assertEventAllowed(topic, eventType);
    const subject = subjectFor(topic, eventType);
    const compatibility = COMPATIBILITY[getEventType(eventType).compatibility];
    try {
      const { id } = await this.registry.register({ type: SchemaType.AVRO, schema: getSchemaText(eventType) }, { subject, compatibility });
      this.ids.set(subject, Promise.resolve(id));
      return id;
    } catch (error) {
      const failure = classifyRegistryError(error);
      if (failure.kind === 'unavailable') {
        throw new RegistryUnavailableError(`registry unavailable while registering '${subject}': ${failure.message}`, failure.status, { cause: error });
      }
      throw new SchemaRegistrationError(subject, failure.status, failure.message, { cause: error });
    }
  }

  /** Registry id of the current schema of an event type on a topic (cached). */
  schemaId(topic: TopicName, eventType: EventType): Promise<number> {
    assertEventAllowed(topic, eventType);
    const subject = subjectFor(topic, eventType);
    let id = this.ids.get(subject);
    if (!id) {
      id = this.lookupId(topic, eventType, subject);
      this.ids.set(subject, id);
      // A failed lookup must not poison the cache.
      id.catch(() => this.ids.delete(subject));
    }
    return id;
  }

  private async lookupId(topic: TopicName, eventType: EventType, subject: string): Promise<number> {
    try {
      return await this.registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: getSchemaText(eventType) });
    } catch (error) {
      // The client rethrows a 404 as a status-less ConfluentSchemaRegistryError.
      const failure = classifyRegistryError(error);
      const notFound = failure.kind === 'not_found' || (failure.status === undefined && (error as Error).name === 'ConfluentSchemaRegistryError');
      if (notFound) {
        if (this.options.autoRegister) return this.register(topic, eventType);
        throw new SchemaNotRegisteredError(subject);
      }
      if (failure.kind === 'unavailable') {
        throw new RegistryUnavailableError(`registry unavailable while looking up '${subject}': ${failure.message}`, failure.status, { cause: error });
      }
      throw new SchemaRegistrationError(subject, failure.status, failure.message, { cause: error });
    }
  }

  /** Encodes an event for a topic. Throws EventValidationError for invalid values. */
  async encode<T extends EventType>(topic: TopicName, eventType: T, value: EventPayloads[T]): Promise<Buffer> {
    assertEventAllowed(topic, eventType);
    if (this.options.validateOnEncode) {
      const issues = validateEvent(eventType, value);
      if (issues.length > 0) throw new EventValidationError(eventType, issues);
    }
    const id = await this.schemaId(topic, eventType);
    const header = Buffer.alloc(WIRE_HEADER_LENGTH);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, getAvroType(eventType).toBuffer(value)]);
  }

  /**
   * Decodes a message value written with any registered version of any catalog event type.
   * Throws DecodeError (not retryable) for bad bytes or schemas, RegistryUnavailableError
   * (retryable) when the registry cannot answer. With `topic`, an event type the catalog does not
   * carry on that topic is a SCHEMA_MISMATCH.
   */
  async decode(buffer: Buffer, options: { topic?: string } = {}): Promise<DecodedEvent> {
    if (!Buffer.isBuffer(buffer) || buffer.length < WIRE_HEADER_LENGTH) {
      throw new DecodeError('TRUNCATED', `message of ${buffer?.length ?? 0} bytes is shorter than the ${WIRE_HEADER_LENGTH}-byte wire header`);
    }
    if (buffer[0] !== MAGIC_BYTE) {
      throw new DecodeError('BAD_MAGIC_BYTE', `magic byte is ${buffer[0]}, expected ${MAGIC_BYTE} (not Confluent wire format)`);
    }
    const schemaId = buffer.readInt32BE(1);
    if (schemaId <= 0) throw new DecodeError('UNKNOWN_SCHEMA_ID', `schema id ${schemaId} cannot exist`, { schemaId });
    const { eventType, reader, resolver } = await this.readerFor(schemaId);
    if (options.topic !== undefined && !getTopic(options.topic).eventTypes.includes(eventType)) {
      throw new DecodeError('SCHEMA_MISMATCH', `${eventType} (schema ${schemaId}) is not an event type of topic '${options.topic}'`, {
        schemaId,
        eventType,
      });
    }

    let value: unknown;
    try {
      value = reader.fromBuffer(buffer.subarray(WIRE_HEADER_LENGTH), resolver);
    } catch (error) {
      const message = (error as Error).message;
      const code = /truncated/i.test(message) ? 'TRUNCATED' : 'INVALID_PAYLOAD';
      throw new DecodeError(code, `${eventType} (schema ${schemaId}): ${message}`, { schemaId, eventType, cause: error });
    }
    if (this.options.validateOnDecode) {
      const issues = validateEvent(eventType, value);
      if (issues.length > 0) {
        throw new DecodeError('INVALID_PAYLOAD', new EventValidationError(eventType, issues).message, { schemaId, eventType, issues });
      }
    }
    return { eventType, schemaId, value } as DecodedEvent;
  }

  private readerFor(schemaId: number): Promise<ReaderForId> {
    let reader = this.readers.get(schemaId);
    if (!reader) {
      reader = this.buildReader(schemaId);
      this.readers.set(schemaId, reader);
      // Only successes are cached: an id unknown to a lagging registry replica may appear later.
      reader.catch(() => this.readers.delete(schemaId));
    }
    return reader;
  }

  private async buildReader(schemaId: number): Promise<ReaderForId> {
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(schemaId)) as unknown as avro.Type;
    } catch (error) {
      const failure = classifyRegistryError(error);
      if (failure.kind === 'not_found') {
        throw new DecodeError('UNKNOWN_SCHEMA_ID', `schema id ${schemaId} is not in the registry`, { schemaId, cause: error });
      }
      if (failure.kind === 'unavailable') {
        throw new RegistryUnavailableError(`registry unavailable while fetching schema ${schemaId}: ${failure.message}`, failure.status, { cause: error });
      }
      throw new DecodeError('SCHEMA_MISMATCH', `schema ${schemaId} is not a usable Avro schema: ${failure.message}`, { schemaId, cause: error });
    }
    const fullName = writer.name ?? '';
    const eventType = fullName.startsWith(`${EVENT_NAMESPACE}.`) ? fullName.slice(EVENT_NAMESPACE.length + 1) : '';
    if (!isEventType(eventType)) {
      throw new DecodeError('SCHEMA_MISMATCH', `schema ${schemaId} is '${fullName || 'unnamed'}', not an event type of the catalog`, { schemaId });
    }
    const reader = getAvroType(eventType);
    try {
      return { eventType, reader, resolver: reader.createResolver(writer) };
    } catch (error) {
      throw new DecodeError('SCHEMA_MISMATCH', `${eventType}: schema ${schemaId} cannot be read by the current schema: ${(error as Error).message}`, {
        schemaId,
        eventType,
        cause: error,
      });
    }
  }
}
