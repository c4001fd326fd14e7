/**
 * What the messaging core needs from a serializer. `@retail-backbone/contracts` provides the Avro +
 * schema-registry implementation; anything with the same two methods works.
 */
export interface EventSerde {
  encode(topic: string, eventType: string, value: unknown): Promise<Buffer>;
  decode(buffer: Buffer): Promise<DecodedEvent>;
}

export interface DecodedEvent {
  eventType: string;
  schemaId?: number;
  value: unknown;
}
