/**
 * Event values are kept in the outbox as JSON until the relay encodes them. Avro values contain
 * Dates (timestamp-millis), Buffers (bytes/decimal) and possibly bigints that plain JSON would
 * flatten, so those are written as single-key tagged objects and restored on read.
 */
const DATE = '$date';
const BYTES = '$bytes';
const BIGINT = '$bigint';

function tag(value: unknown): unknown {
  if (value instanceof Date) return { [DATE]: value.toISOString() };
  if (Buffer.isBuffer(value)) return { [BYTES]: value.toString('base64') };
  if (typeof value === 'bigint') return { [BIGINT]: value.toString() };
  if (Array.isArray(value)) return value.map(tag);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = tag(inner);
    return out;
  }
  return value;
}

function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, inner] = entries[0]!;
      if (key === DATE && typeof inner === 'string') return new Date(inner);
      if (key === BYTES && typeof inner === 'string') return Buffer.from(inner, 'base64');
      if (key === BIGINT && typeof inner === 'string') return BigInt(inner);
    }
    const out: Record<string, unknown> = {};
    for (const [key, inner] of entries) out[key] = untag(inner);
    return out;
  }
  return value;
}

export function toStoredJson(value: unknown): string {
  return JSON.stringify(tag(value));
}

export function fromStoredJson(parsed: unknown): unknown {
  return untag(parsed);
}
