/**
 * Redaction of personal data and secrets by key name. Keys are compared after lower-casing and
 * removing separators, so `api_key`, `apiKey` and `X-API-Key` all match.
 */
export const REDACTED = '[REDACTED]';

const EXACT_KEYS = new Set([
  'email',
  'phone',
  'mobile',
  'password',
  'passwd',
  'pwd',
  'token',
  'secret',
  'authorization',
  'proxyauthorization',
  'apikey',
  'xapikey',
  'cookie',
  'setcookie',
  'firstname',
  'lastname',
  'fullname',
  'cardnumber',
  'cvv',
  'iban',
  'ssn',
  'dateofbirth',
  'birthdate',
]);

/** Fragments that mark a key as sensitive wherever they occur (`billing_address`, `refreshToken`). */
const KEY_FRAGMENTS = ['address', 'email', 'phone', 'password', 'token', 'secret', 'apikey', 'credential', 'signature'];

function normalise(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isSensitiveKey(key: string): boolean {
  const k = normalise(key);
  if (EXACT_KEYS.has(k)) return true;
  return KEY_FRAGMENTS.some((fragment) => k.includes(fragment));
}

export const REDACTED_EMAIL = '[EMAIL]';
export const REDACTED_PHONE = '[PHONE]';
export const REDACTED_CARD = '[CARD]';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** International (+33 6 12 34 56 78) or national with separators (030 1234 5678, 06-12-34-56-78). */
const PHONE = /\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){6,13}\b|\b0\d{1,4}(?:[\s.-]\d{2,4}){2,4}\b/g;
/** 13-19 digits, optionally in groups separated by spaces or dashes. */
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;
/** Issuer prefixes of the card networks seen in retail (Visa, Mastercard, Amex, Discover, JCB, UnionPay). */
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9]|22)|35|62)/;

/** The Luhn checksum every payment card number passes; also used by redactCardData. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Masks e-mail addresses, phone numbers and card numbers inside free text (a customer note, an
 * error message quoting a payload). Card candidates must pass the Luhn check and carry a network
 * prefix, so order and channel ids are left alone in nearly every case.
 */
export function redactText(text: string): string {
  return text
    .replace(CARD_CANDIDATE, (match) => {
      const digits = match.replace(/[ -]/g, '');
      return digits.length >= 13 && CARD_PREFIX.test(digits) && luhn(digits) ? REDACTED_CARD : match;
    })
    .replace(EMAIL, REDACTED_EMAIL)
    .replace(PHONE, REDACTED_PHONE);
}

/** Identifiers are never personal data and must stay exact (trace ids, order ids). */
export function isIdentifierKey(key: string): boolean {
  return /(?:^|_)id$|[a-z]Id$|^trace_|^span_|^correlation/.test(key);
}

/**
 * Returns a copy of `value` with every sensitive key's value replaced, at any depth, and e-mail
 * addresses, phone and card numbers masked in every other string.
 */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), stack: value.stack === undefined ? undefined : redactText(value.stack) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) ? REDACTED : isIdentifierKey(key) ? inner : redact(inner, seen);
  }
  return out;
}
