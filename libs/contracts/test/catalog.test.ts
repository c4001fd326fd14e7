import * as avro from 'avsc';
import {
  EVENT_TYPES,
  TOPICS,
  dlqTopic,
  eventKey,
  getSchema,
  getTopic,
  subjectFor,
  topicOf,
  assertEventAllowed,
  EventTypeNotAllowedError,
  UnknownTopicError,
} from '../src';
import { sampleEvent } from '../src/testing';

type FieldJson = { name: string; type: unknown; doc?: string };

function walkTypes(node: unknown, visit: (node: unknown) => void): void {
  visit(node);
  if (Array.isArray(node)) node.forEach((n) => walkTypes(n, visit));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o.fields)) (o.fields as FieldJson[]).forEach((f) => walkTypes(f.type, visit));
    if (o.items) walkTypes(o.items, visit);
    if (o.values) walkTypes(o.values, visit);
    if (o.type && typeof o.type === 'object') walkTypes(o.type, visit);
  }
}

describe('topic catalog', () => {
  it('has the public topics with their keys and settings', () => {
    expect(TOPICS.map((t) => t.name)).toEqual([
      'retail.orders.v1',
      'retail.payments.v1',
      'retail.stock-movements.v1',
      'retail.inventory-availability.v1',
      'retail.inventory-reservations.v1',
      'retail.erp-sync.v1',
      'retail.shipments.v1',
      'retail.loyalty.v1',
      'retail.reconciliation.v1',
      'retail.ingest-rejected.v1',
      'retail.operations.v1',
    ]);
    expect(getTopic('retail.inventory-availability.v1')).toMatchObject({ cleanupPolicy: 'compact', keyDescription: 'sku@location' });
    expect(EVENT_TYPES).toHaveLength(23);
    expect(topicOf('PaymentRefunded')).toBe('retail.payments.v1');
  });

  it('names subjects by TopicRecordNameStrategy and DLQs by group', () => {
    expect(subjectFor('retail.orders.v1', 'OrderPlaced')).toBe('retail.orders.v1-com.retailbackbone.events.OrderPlaced');
    expect(dlqTopic('retail.orders.v1', 'odoo-writer')).toBe('retail.orders.v1.dlq.odoo-writer');
    expect(() => dlqTopic('retail.orders.v1', 'bad group')).toThrow(/cannot be part of a topic name/);
  });

  it('rejects event types on the wrong topic and unknown topics', () => {
    expect(() => assertEventAllowed('retail.orders.v1', 'PaymentCaptured')).toThrow(EventTypeNotAllowedError);
    expect(() => getTopic('retail.orders')).toThrow(UnknownTopicError);
  });

  it('derives Kafka keys from the key fields', () => {
    expect(eventKey('StockMovementRecorded', sampleEvent('StockMovementRecorded'))).toBe('TSHIRT-BLK-M@wh-berlin');
    expect(eventKey('LoyaltyPointsAccrued', sampleEvent('LoyaltyPointsAccrued'))).toBe('cust-0192a1b2');
    expect(() => eventKey('OrderPlaced', { ...sampleEvent('OrderPlaced'), orderId: '' })).toThrow(/orderId/);
  });

  it.each(EVENT_TYPES.map((e) => [e.eventType]))('%s: envelope first, documented, no floats, parses', (eventType) => {
    const schema = getSchema(eventType) as { name: string; namespace: string; fields: FieldJson[] };
    expect(schema.namespace).toBe('com.retailbackbone.events');
    expect(schema.name).toBe(eventType);
    const first = schema.fields[0] as { name: string; type: { name: string; namespace: string } };
    expect(first.name).toBe('envelope');
    expect(`${first.type.namespace}.${first.type.name}`).toBe('com.retailbackbone.common.Envelope');
    walkTypes(schema, (node) => {
      expect(node === 'float' || node === 'double').toBe(false);
      const o = node as { fields?: FieldJson[] };
      for (const field of o?.fields ?? []) expect(field.doc?.length ?? 0).toBeGreaterThan(5);
    });
    expect(() => avro.Type.forSchema(schema as avro.Schema)).not.toThrow();
  });
});
