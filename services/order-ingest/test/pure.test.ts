import { signBase64Hmac, signStripe, verifyBase64Hmac, verifyStripeSignature } from '../src/auth/signatures';
import { MalformedJsonError, MAX_JSON_DEPTH, parseJsonBody, parseJsonExact } from '@retail-backbone/observability';
import { money } from '../src/money';
import { CARD_REDACTED, redactCardData } from '@retail-backbone/observability';

describe('parseJsonExact', () => {
  it('keeps integers beyond 2^53 exact and leaves strings and decimals alone', () => {
    const parsed = parseJsonExact('{"id": 820982911946154508, "n": 3, "f": 1.1234567890123456789, "s": "12345678901234567890", "a": [-9007199254740993]}') as Record<string, unknown>;
    expect(parsed).toEqual({ id: '820982911946154508', n: 3, f: 1.1234567890123457, s: '12345678901234567890', a: ['-9007199254740993'] });
  });

  it('tells escaped quotes from string ends and leaves exponents alone', () => {
    const parsed = parseJsonExact('{"s": "a\\\\", "t": "b\\" 1234567890123456789 \\\\", "e": 1e1234567890123456, "x": 1234567890123456789}');
    expect(parsed).toEqual({ s: 'a\\', t: 'b" 1234567890123456789 \\', e: Infinity, x: '1234567890123456789' });
    expect(() => parseJsonExact('"\\1234567890123456789')).toThrow(MalformedJsonError);
  });
});

describe('parseJsonExact with input PostgreSQL jsonb cannot hold', () => {
  it('replaces \\u0000 and lone surrogates by U+FFFD in values and keys, keeping real surrogate pairs', () => {
    const parsed = parseJsonExact('{"note": "a\\u0000b", "k\\u0000": "\\ud800x\\udc00", "emoji": "\\ud83d\\ude00", "deep": [{"t": "\\udfff"}]}');
    expect(parsed).toEqual({ note: 'a\uFFFDb', 'k\uFFFD': '\uFFFDx\uFFFD', emoji: '\u{1F600}', deep: [{ t: '\uFFFD' }] });
  });

  it('leaves an escaped backslash followed by u0000 as the text it is', () => {
    expect(parseJsonExact('{"s": "\\\\u0000"}')).toEqual({ s: '\\u0000' });
  });

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and refuses deeper with a message saying so`, () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(() => parseJsonExact(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJsonExact(nested(MAX_JSON_DEPTH + 1))).toThrow(`deeper than ${MAX_JSON_DEPTH} levels`);
    expect(() => parseJsonExact('"' + '['.repeat(1000) + '"')).not.toThrow();
  });

  it('refuses invalid UTF-8 before parsing', () => {
    expect(() => parseJsonBody(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).toThrow('body is not valid UTF-8');
  });
});

describe('signatures', () => {
  it('verifies base64 HMACs over the raw bytes only', () => {
    const body = Buffer.from('{"a":"b\\/c"}');
    expect(verifyBase64Hmac(body, signBase64Hmac(body, 'secret'), 'secret')).toBe(true);
    expect(verifyBase64Hmac(Buffer.from('{"a":"b/c"}'), signBase64Hmac(body, 'secret'), 'secret')).toBe(false);
    expect(verifyBase64Hmac(body, undefined, 'secret')).toBe(false);
  });

  it('checks Stripe timestamps against the tolerance and accepts any matching v1', () => {
    const body = Buffer.from('{}');
    const now = 1_700_000_000_000;
    const header = signStripe(body, 'whsec', now / 1000);
    expect(verifyStripeSignature(body, `${header},v1=${'0'.repeat(64)}`, 'whsec', 300, now)).toEqual({ ok: true, timestamp: now / 1000 });
    expect(verifyStripeSignature(body, header, 'whsec', 300, now + 301_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyStripeSignature(body, header, 'other', 300, now)).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('card data redaction', () => {
  it('scrubs PANs in strings and card-secret keys but keeps long numeric ids', () => {
    const body = Buffer.from('{"id": 4242424242424242, "card": {"number": "4242 4242 4242 4242", "cvc": 123}, "note": "ref 1234567890123"}');
    const out = redactCardData(body, true).toString('utf8');
    expect(out).toContain('"id": 4242424242424242');
    expect(out).toContain(`"number": "${CARD_REDACTED}"`);
    expect(out).toContain(`"cvc": "${CARD_REDACTED}"`);
    expect(out).toContain('ref 1234567890123');
    expect(JSON.parse(out)).toBeTruthy();
  });
});

describe('money', () => {
  it('keeps the currency scale without losing given digits', () => {
    expect(money('3', 'USD').amount).toBe('3.00');
    expect(money('1.2345', 'EUR').amount).toBe('1.2345');
    expect(money('500', 'JPY').amount).toBe('500');
  });
});
