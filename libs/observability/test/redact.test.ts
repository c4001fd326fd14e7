import { isSensitiveKey, redact, REDACTED } from '../src/redact';

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
