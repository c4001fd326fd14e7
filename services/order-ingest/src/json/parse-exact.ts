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

/** The text with integer literals of 16+ digits quoted; string literals are left alone. */
export function quoteLongIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = endOfString(text, at);
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

export class MalformedJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedJsonError';
  }
}

export function parseJsonExact(text: string): unknown {
  try {
    return JSON.parse(quoteLongIntegers(text));
  } catch (error) {
    throw new MalformedJsonError((error as Error).message);
  }
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
