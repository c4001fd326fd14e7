/**
 * Edge validation of an event value: Avro shape (via avsc's isValid error hook, one issue per bad
 * path) plus the rules Avro cannot express: decimal strings, ISO-4217 currencies, country codes,
 * and a consistent envelope.
 */
import type * as avro from 'avsc';
import { getAvroType } from './catalog';
import { COMMON_NAMESPACE, getEventType, type EventType } from './topics';

export interface ValidationIssue {
  /** Field path in the event, e.g. 'lines[0].unitPrice.currency'; '' for the whole value. */
  path: string;
  message: string;
}

export class EventValidationError extends Error {
  readonly retryable = false;
  constructor(
    readonly eventType: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`${eventType} is invalid: ${issues.map((i) => `${i.path || '(value)'}: ${i.message}`).join('; ')}`);
    this.name = 'EventValidationError';
  }
}

/** Decimal string: optional '-', integer part without leading zeros, up to 6 fraction digits. */
export const DECIMAL_PATTERN = /^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$/;
const UUID_V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;

// ICU's list of ISO-4217 codes shipped with Node; no hand-kept table to drift.
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

export function isDecimalString(value: string): boolean {
  return DECIMAL_PATTERN.test(value);
}

function formatPath(parts: readonly string[]): string {
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function shapeIssues(type: avro.Type, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  type.isValid(value, {
    errorHook: (path, bad, badType) => {
      issues.push({
        path: formatPath(path),
        message:
          bad === undefined ? `required field is missing (expected ${badType.toString()})` : `expected ${badType.toString()}, got ${describe(bad)}`,
      });
    },
  });
  return issues;
}

type Check = (value: Record<string, unknown>, path: string, issues: ValidationIssue[]) => void;

const RECORD_CHECKS: Record<string, Check> = {
  [`${COMMON_NAMESPACE}.Money`]: (money, path, issues) => {
    if (typeof money.amount === 'string' && !isDecimalString(money.amount)) {
      issues.push({ path: `${path}.amount`, message: `'${money.amount}' is not a decimal string like '19.99'` });
    }
  },
  [`${COMMON_NAMESPACE}.Address`]: (address, path, issues) => {
    if (typeof address.countryCode === 'string' && !COUNTRY_PATTERN.test(address.countryCode)) {
      issues.push({ path: `${path}.countryCode`, message: `'${address.countryCode}' is not an ISO-3166-1 alpha-2 code` });
    }
  },
};

/** Walks value and type together, applying record checks and the currency rule for every field named 'currency'. */
function semanticIssues(type: avro.Type, value: unknown, path: string, issues: ValidationIssue[]): void {
  if (value === null || value === undefined) return;
  const typeName = type.typeName;
  if (typeName === 'record') {
    const record = value as Record<string, unknown>;
    const check = type.name ? RECORD_CHECKS[type.name] : undefined;
    check?.(record, path, issues);
    for (const field of (type as avro.types.RecordType).fields) {
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      const fieldValue = record[field.name];
      if (field.name === 'currency' && typeof fieldValue === 'string' && !isIsoCurrency(fieldValue)) {
        issues.push({ path: fieldPath, message: `'${fieldValue}' is not an ISO-4217 currency code` });
      }
      semanticIssues(field.type, fieldValue, fieldPath, issues);
    }
  } else if (typeName === 'array' && Array.isArray(value)) {
    const items = (type as avro.types.ArrayType).itemsType;
    value.forEach((item, index) => semanticIssues(items, item, `${path}[${index}]`, issues));
  } else if (typeName === 'map') {
    const values = (type as avro.types.MapType).valuesType;
    for (const [key, item] of Object.entries(value as object)) semanticIssues(values, item, `${path}.${key}`, issues);
  } else if (typeName === 'union:unwrapped') {
    const branch = (type as avro.types.UnwrappedUnionType).types.find((t) => t.typeName !== 'null' && t.isValid(value));
    if (branch) semanticIssues(branch, value, path, issues);
  }
}

function envelopeIssues(eventType: EventType, value: Record<string, unknown>): ValidationIssue[] {
  const envelope = value.envelope as Record<string, unknown> | undefined;
  if (!envelope) return [];
  const issues: ValidationIssue[] = [];
  const def = getEventType(eventType);
  if (envelope.eventType !== eventType) {
    issues.push({ path: 'envelope.eventType', message: `must be '${eventType}', got ${describe(envelope.eventType)}` });
  }
  if (envelope.schemaVersion !== def.major) {
    issues.push({ path: 'envelope.schemaVersion', message: `must be ${def.major}, got ${describe(envelope.schemaVersion)}` });
  }
  if (typeof envelope.eventId === 'string' && !UUID_V7_PATTERN.test(envelope.eventId)) {
    issues.push({ path: 'envelope.eventId', message: `'${envelope.eventId}' is not a UUIDv7` });
  }
  for (const field of ['correlationId', 'producer', 'region'] as const) {
    if (envelope[field] === '') issues.push({ path: `envelope.${field}`, message: 'must not be empty' });
  }
  if (typeof envelope.occurredAt === 'number' && (!Number.isSafeInteger(envelope.occurredAt) || envelope.occurredAt < 0)) {
    issues.push({ path: 'envelope.occurredAt', message: 'must be non-negative epoch milliseconds' });
  }
  return issues;
}

/**
 * Validates a value against the current schema of an event type and the semantic rules.
 * Returns every issue found (empty when valid).
 */
export function validateEvent(eventType: EventType | string, value: unknown): ValidationIssue[] {
  const def = getEventType(eventType);
  const type = getAvroType(def.eventType);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: '', message: `expected a ${def.eventType} record, got ${describe(value)}` }];
  }
  const issues = shapeIssues(type, value);
  semanticIssues(type, value, '', issues);
  issues.push(...envelopeIssues(def.eventType, value as Record<string, unknown>));
  return issues;
}

/** Throws EventValidationError when validateEvent finds anything. */
export function assertValidEvent(eventType: EventType | string, value: unknown): void {
  const issues = validateEvent(eventType, value);
  if (issues.length > 0) throw new EventValidationError(getEventType(eventType).eventType, issues);
}
