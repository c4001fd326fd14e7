import { luhn } from './redact';

/**
 * Card data must not be kept even in quarantined payloads (PCI DSS). Rejected bodies are
 * scrubbed as text so that everything else stays byte-for-byte what the sender sent:
 * - values of card-secret keys (cvc, cvv, card number, pan...) whatever their type;
 * - PAN-like digit runs (13-19 digits, spaces or dashes allowed, Luhn-valid) inside JSON strings,
 *   and anywhere in a body that is not JSON. Bare JSON numbers are left alone outside those keys:
 *   they are ids (Shopify's are 18 digits) and card numbers are sent as strings.
 */
const CARD_KEYS = /^(cvc2?|cvv2?|cid|csc|security_?code|card_?number|cardnumber|pan|account_?number)$/i;
const STRING = /"(?:[^"\\]|\\.)*"/g;
const KEY_VALUE = /"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g;
const PAN_LIKE = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;
export const CARD_REDACTED = '[CARD-REDACTED]';


function scrubPans(text: string): string {
  return text.replace(PAN_LIKE, (match) => {
    const digits = match.replace(/[ -]/g, '');
    return digits.length >= 13 && luhn(digits) ? CARD_REDACTED : match;
  });
}

export function redactCardData(body: Buffer, isJson: boolean): Buffer {
  const text = body.toString('utf8');
  if (!isJson) return Buffer.from(scrubPans(text), 'utf8');
  const keysScrubbed = text.replace(KEY_VALUE, (match, key: string, colon: string) =>
    CARD_KEYS.test(key) ? `"${key}"${colon}"${CARD_REDACTED}"` : match,
  );
  return Buffer.from(
    keysScrubbed.replace(STRING, (literal) => scrubPans(literal)),
    'utf8',
  );
}
