/**
 * JSON parsing that keeps channel ids exact. Shopify ids exceed 2^53, so JSON.parse would round
 * them; integer literals of 16+ digits are turned into strings (outside string literals) before
 * parsing. A single hand-written scan does this (a regex with look-arounds cost as much as
 * JSON.parse itself on a 15 kB order), and every id is handled as a string afterwards anyway.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const LONG_INTEGER = /^-?\d{16,}$/;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
/** No channel payload comes near this; deeper bodies are refused before any recursive walk sees them. */
export const MAX_JSON_DEPTH = 64;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Characters a JSON number token is made of. */
function isNumberChar(code: number): boolean {
  return isDigit(code) || code === MINUS || code === 0x2b || code === 0x2e || code === 0x45 || code === 0x65;
}

/** Index just past the string literal opening at `start` (the text's end when unterminated). */
function endOfString(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

export class MalformedJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedJsonError';
  }
}

/**
 * The text with integer literals of 16+ digits quoted; string literals are left alone. The same
 * scan counts nesting, so a body deeper than MAX_JSON_DEPTH is refused here.
 */
export function quoteLongIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let at = 0;
  let depth = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = endOfString(text, at);
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) throw new MalformedJsonError(`the body nests objects/arrays deeper than ${MAX_JSON_DEPTH} levels`);
      at++;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      at++;
    } else if (isDigit(code) || code === MINUS) {
      let end = at + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      // A run right after a letter (say, the e of an exponent) is not a literal of its own.
      const previous = at > 0 ? text.charCodeAt(at - 1) : 0;
      if (end - at >= 16 && !isNumberChar(previous) && LONG_INTEGER.test(text.slice(at, end))) {
        out += `${text.slice(copied, at)}"${text.slice(at, end)}"`;
        copied = end;
      }
      at = end;
    } else {
      at++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Escapes that are valid JSON but that PostgreSQL's jsonb (and Odoo's text columns) cannot hold:
 * \u0000 and UTF-16 surrogates, which may be lone. Raw NUL is invalid JSON and raw lone surrogates
 * cannot come out of strict UTF-8 decoding, so only escapes need looking for.
 */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;
// NUL is exactly the character being looked for here.
// eslint-disable-next-line no-control-regex
const UNSTORABLE_CHARS = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export const REPLACEMENT_CHARACTER = '\uFFFD';

/** NUL and lone surrogates become U+FFFD; well-formed surrogate pairs (emoji) are kept. */
export function storableString(value: string): string {
  return value.replace(UNSTORABLE_CHARS, REPLACEMENT_CHARACTER);
}

/** Depth is bounded by MAX_JSON_DEPTH, so this recursion is too. */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return storableString(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[storableString(key)] = storable(inner);
    return out;
  }
  return value;
}

/**
 * Parses JSON keeping long ids exact. A customer's note may carry \u0000 or a broken emoji: the
 * order is still accepted (refusing it would make the shop retry and finally switch its webhook
 * off), with those characters replaced by U+FFFD so every store path can keep it.
 */
export function parseJsonExact(text: string): unknown {
  const quoted = quoteLongIntegers(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoted);
  } catch (error) {
    throw new MalformedJsonError((error as Error).message);
  }
  return UNSTORABLE_ESCAPE.test(quoted) ? storable(parsed) : parsed;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses a raw request body as UTF-8 JSON; a BOM or invalid UTF-8 is malformed input. */
export function parseJsonBody(body: Buffer): unknown {
  let decoded: string;
  try {
    decoded = UTF8.decode(body);
  } catch {
    throw new MalformedJsonError('body is not valid UTF-8');
  }
  if (decoded.trim() === '') throw new MalformedJsonError('body is empty');
  return parseJsonExact(decoded);
}
