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

/** Returns a copy of `value` with every sensitive key's value replaced, at any depth. */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) ? REDACTED : redact(inner, seen);
  }
  return out;
}
