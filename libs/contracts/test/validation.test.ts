import { EVENT_TYPE_NAMES, validateEvent, assertValidEvent, EventValidationError, buildEnvelope, newEventId } from '../src';
import { sampleEvent } from '../src/testing';

describe('validateEvent', () => {
  it.each(EVENT_TYPE_NAMES.map((t) => [t]))('accepts the %s sample', (eventType) => {
    expect(validateEvent(eventType, sampleEvent(eventType))).toEqual([]);
  });

  it('names a missing required field by path', () => {
    const event = sampleEvent('OrderPlaced') as unknown as Record<string, unknown>;
    delete event.channel;
    expect(validateEvent('OrderPlaced', event)).toEqual([{ path: 'channel', message: expect.stringMatching(/required field is missing/) }]);
  });

  it('names a nested bad currency and a bad decimal by path', () => {
    const event = sampleEvent('OrderPlaced');
    event.lines[1]!.unitPrice = { amount: '12,00', currency: 'EURO' };
    expect(validateEvent('OrderPlaced', event)).toEqual([
      { path: 'lines[1].unitPrice.amount', message: "'12,00' is not a decimal string like '19.99'" },
      { path: 'lines[1].unitPrice.currency', message: "'EURO' is not an ISO-4217 currency code" },
    ]);
  });

  it('checks the top-level currency, wrong types and floats given for decimal strings', () => {
    const event = sampleEvent('OrderPlaced', { currency: 'usd' }) as unknown as Record<string, unknown>;
    (event.totals as Record<string, unknown>).grandTotal = { amount: 71.62, currency: 'EUR' };
    event.lines = 'none';
    const paths = validateEvent('OrderPlaced', event).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['currency', 'totals.grandTotal.amount', 'lines']));
  });

  it('checks the envelope against the event type', () => {
    const event = sampleEvent('PaymentCaptured');
    event.envelope = { ...buildEnvelope('PaymentRefunded', { producer: 'x', correlationId: 'c', region: 'eu' }), eventId: 'not-a-uuid' };
    expect(validateEvent('PaymentCaptured', event).map((i) => i.path)).toEqual(['envelope.eventType', 'envelope.eventId']);
  });

  it('rejects non-objects and throws a typed error from assertValidEvent', () => {
    expect(validateEvent('OrderPlaced', null)).toEqual([{ path: '', message: 'expected a OrderPlaced record, got null' }]);
    expect(() => assertValidEvent('OrderCancelled', { ...sampleEvent('OrderCancelled'), cancelledAt: 'yesterday' })).toThrow(EventValidationError);
  });

  it('generates time-ordered UUIDv7 event ids', () => {
    const a = newEventId();
    const b = newEventId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(a < b || a.slice(0, 13) === b.slice(0, 13)).toBe(true);
  });
});
