/**
 * Generated hostile requests: mutations of the real channel payloads in ../shared/fixtures plus
 * hand-picked attacks (encodings, escapes, nesting, sizes, content types, forged and replayed
 * signatures, stale timestamps, random keys). Deterministic: one seeded PRNG.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** Raw JSON texts spliced in place of a value: each is valid JSON unless noted. */
export const HOSTILE_VALUES: Array<{ name: string; json: string }> = [
  { name: 'null', json: 'null' },
  { name: 'empty string', json: '""' },
  { name: 'negative', json: '-1' },
  { name: 'huge exponent', json: '1e400' },
  { name: 'huge integer', json: '123456789012345678901234567890' },
  { name: 'tiny fraction', json: '1e-400' },
  { name: 'NUL escape', json: '"a\\u0000b"' },
  { name: 'lone high surrogate', json: '"x\\ud800"' },
  { name: 'lone low surrogate', json: '"\\udc00y"' },
  { name: 'empty object', json: '{}' },
  { name: 'empty array', json: '[]' },
  { name: 'boolean', json: 'true' },
  { name: 'long string', json: JSON.stringify('x'.repeat(20_000)) },
  { name: 'nested 40', json: '['.repeat(40) + ']'.repeat(40) },
  { name: 'nested 100', json: '['.repeat(100) + ']'.repeat(100) },
  { name: 'html', json: '"<script>alert(1)</script>"' },
  { name: 'sql', json: `"'); DROP TABLE orders; --"` },
  { name: 'emoji', json: '"\\ud83d\\ude00 ok"' },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every JSON pointer of a parsed document (objects and arrays, not the root). */
export function pointers(value: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, inner] of entries) {
      out.push([...prefix, key]);
      pointers(inner as Json, [...prefix, key], out);
    }
  }
  return out;
}

const MARK = '"__bad_input_marker__"';

/** The document as text with the value at `at` replaced by raw JSON text (which may be invalid). */
export function spliceValue(doc: Json, at: string[], rawJson: string): string {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  let node = copy as Record<string, Json>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string, Json>;
  node[at[at.length - 1]!] = '__bad_input_marker__';
  return JSON.stringify(copy).replace(MARK, rawJson);
}

/** The document without the value at `at`. */
export function withoutValue(doc: Json, at: string[]): string {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  let node = copy as Record<string, Json> | Json[];
  for (const key of at.slice(0, -1)) node = (node as Record<string, Json>)[key] as Record<string, Json>;
  const last = at[at.length - 1]!;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return JSON.stringify(copy);
}

/** Byte-level attacks on a whole body. */
export function bodyAttacks(valid: string): Array<{ name: string; body: Buffer }> {
  const bytes = Buffer.from(valid, 'utf8');
  const middle = Math.floor(bytes.length / 2);
  return [
    { name: 'invalid UTF-8 byte', body: Buffer.concat([bytes.subarray(0, middle), Buffer.from([0xff]), bytes.subarray(middle)]) },
    { name: 'overlong UTF-8', body: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]) },
    { name: 'UTF-16 body', body: Buffer.from(valid, 'utf16le') },
    { name: 'BOM', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) },
    { name: 'truncated', body: bytes.subarray(0, middle) },
    { name: 'empty', body: Buffer.alloc(0) },
    { name: 'whitespace', body: Buffer.from('   \n') },
    { name: 'JSON null', body: Buffer.from('null') },
    { name: 'JSON array', body: Buffer.from('[]') },
    { name: 'JSON string', body: Buffer.from('"order"') },
    { name: 'form body', body: Buffer.from('a=1&b=2') },
    { name: 'deep nesting 5000', body: Buffer.from('{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}') },
    { name: 'duplicate keys', body: Buffer.from(valid.replace('{', '{"id": "dup",')) },
    { name: 'trailing garbage', body: Buffer.concat([bytes, Buffer.from('}}}')]) },
  ];
}
