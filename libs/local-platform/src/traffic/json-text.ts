/**
 * JSON text with 64-bit integers written as bare JSON numbers, the way Shopify sends its ids.
 * JSON.stringify cannot print a bigint, and a JS number above 2^53 would already be rounded, so
 * bigints travel through stringify as marked strings that are then unquoted.
 */
const MARK = '\u0000bigint:';
// JSON.stringify escapes U+0000 as the six characters \u0000, so the mark cannot come from text.
const MARKED = /"\\u0000bigint:(-?\d+)"/g;

export function jsonWithBigInts(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${MARK}${v.toString()}` : v));
  return text.replace(MARKED, '$1');
}

/** A channel id given as bigint, safe integer or digit string, as a bigint. */
export function toBigId(id: bigint | number | string, field: string): bigint {
  if (typeof id === 'bigint') return id;
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`${field} ${id} is not exact: pass ids above 2^53 as bigint or digit string`);
    return BigInt(id);
  }
  if (!/^\d{1,19}$/.test(id)) throw new RangeError(`${field} '${id}' must be digits`);
  return BigInt(id);
}
