import { isSensitiveKey, redact, redactText, REDACTED } from '../src/redact';

describe('redact', () => {
  it('matches personal data and secrets by key name regardless of case and separators', () => {
    for (const key of ['email', 'customerEmail', 'phone', 'billing_address', 'addressLine1', 'password', 'accessToken', 'client_secret', 'Authorization', 'api_key', 'X-API-Key', 'cookie', 'first_name']) {
      expect(isSensitiveKey(key)).toBe(true);
    }
    for (const key of ['orderId', 'sku', 'quantity', 'currency', 'status', 'trace_id']) {
      expect(isSensitiveKey(key)).toBe(false);
    }
  });

  it('replaces sensitive values at any depth, inside arrays, without mutating the input', () => {
    const input = {
      orderId: 'o-1',
      customer: { email: 'a@b.c', shipping: { addressLine1: '1 Main St', city: 'Lyon' }, contacts: [{ phone: '+33' }] },
      headers: { authorization: 'Bearer x', 'content-type': 'json' },
    };
    const out = redact(input) as typeof input;
    expect(out.orderId).toBe('o-1');
    expect(out.customer.email).toBe(REDACTED);
    expect(out.customer.shipping).toEqual({ addressLine1: REDACTED, city: 'Lyon' });
    expect(out.customer.contacts[0]).toEqual({ phone: REDACTED });
    expect(out.headers).toEqual({ authorization: REDACTED, 'content-type': 'json' });
    expect(input.customer.email).toBe('a@b.c');
  });

  it('survives cycles and keeps errors readable', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: '[Circular]' });
    const out = redact({ error: new TypeError('boom') }) as { error: { name: string; message: string } };
    expect(out.error).toMatchObject({ name: 'TypeError', message: 'boom' });
  });
});

describe('redaction by pattern in free text', () => {
  it('masks e-mail addresses, phone numbers and card numbers inside strings and log messages', () => {
    expect(redactText('note: call me at +33 6 12 34 56 78 or jane.doe+shop@example.co.uk')).toBe('note: call me at [PHONE] or [EMAIL]');
    expect(redactText('home 030 1234 5678, mobile 06-12-34-56-78')).toBe('home [PHONE], mobile [PHONE]');
    expect(redactText('card 4111 1111 1111 1111 exp 12/30')).toBe('card [CARD] exp 12/30');
    expect(redactText('pan 5555555555554444.')).toBe('pan [CARD].');
    expect(redact({ detail: { note: 'mail bob@shop.de' } })).toEqual({ detail: { note: 'mail [EMAIL]' } });
  });

  it('leaves ids, dates, amounts and numbers failing the card checks alone', () => {
    expect(redactText('order 820982911946154508 on 2026-11-20 09:30 total 1234.50')).toBe('order 820982911946154508 on 2026-11-20 09:30 total 1234.50');
    expect(redactText('4111 1111 1111 1112')).toBe('4111 1111 1111 1112');
    expect(redact({ order_id: '4111111111111111', traceId: 'x', trace_id: '4111111111111111' })).toEqual({ order_id: '4111111111111111', traceId: 'x', trace_id: '4111111111111111' });
  });
});
