/**
 * Errors that retrying cannot fix (bad data, failed validation): the consumer dead-letters the
 * message at once instead of spending its retry budget. Any error with `retryable: false`
 * (such as the serde's DecodeError) is treated the same way.
 */
export class NonRetryableError extends Error {
  readonly retryable = false;
  constructor(message: string, readonly code = 'NON_RETRYABLE', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

export class InvalidEventError extends NonRetryableError {
  constructor(message: string) {
    super(message, 'INVALID_EVENT');
    this.name = 'InvalidEventError';
  }
}

export function errorClass(error: unknown): string {
  if (error instanceof Error) return error.constructor.name || error.name;
  return typeof error;
}

export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === undefined ? undefined : String(code);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a failure says about what to do next:
 * - `infrastructure`: a dependency (database, broker, registry, network) is away or overloaded.
 *   Pause and retry without limit; never dead-letter a message for it, never answer 4xx for it.
 * - `transient`: may well pass on a later attempt (an unknown error, a schema id a registry
 *   follower has not seen yet); retried a bounded number of times, then dead-lettered.
 * - `poison`: the message itself is bad (`retryable: false`); dead-letter at once.
 */
export type FailureKind = 'infrastructure' | 'transient' | 'poison';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "the server could not do it now", not "the statement is wrong":
 * 08 connection exceptions, 57P operator intervention (admin shutdown, crash shutdown, cannot
 * connect now), 53 insufficient resources (53300 too many connections), 58 system errors,
 * 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 57014 query canceled
 * (statement timeout, pg_cancel_backend), 25P03 idle-in-transaction timeout.
 */
const SQLSTATE_CLASSES = ['08', '57P', '53', '58'];
const SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '25P03']);

/**
 * node-pg (and pg-pool) report a lost or unobtainable connection with a plain Error, no SQLSTATE.
 * Matched on message because that is all they carry.
 */
const NODE_PG_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /client has encountered a connection error and is not queryable/i,
  /client was closed and is not queryable/i,
  /query read timeout/i,
  /cannot use a pool after calling end/i,
  /the server does not support ssl connections/i,
];

function isSqlstateInfrastructure(code: string): boolean {
  return SQLSTATES.has(code) || SQLSTATE_CLASSES.some((prefix) => code.startsWith(prefix));
}

/** This one error object (not its causes) names an outage. */
function selfIsInfrastructure(error: object): boolean {
  const { retryable, retriable, code, name } = error as { retryable?: unknown; retriable?: unknown; code?: unknown; name?: unknown };
  if (retryable === true) return true;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isSqlstateInfrastructure(code)))) return true;
  // kafkajs marks broker-side transient failures (leader moved, not enough replicas, timeouts).
  if (retriable === true && typeof name === 'string' && name.startsWith('KafkaJS')) return true;
  if (typeof name === 'string' && /^KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded)Error$/.test(name)) return true;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && code === undefined && NODE_PG_MESSAGES.some((pattern) => pattern.test(message))) return true;
  return false;
}

/** A schema id the registry answered 404 for: right after a registration, a follower may lag. */
function isUnknownSchemaId(error: object): boolean {
  const { code, name } = error as { code?: unknown; name?: unknown };
  return name === 'DecodeError' && code === 'UNKNOWN_SCHEMA_ID' && (error as { cause?: unknown }).cause !== undefined;
}

/** The error and its `cause` chain (bounded: causes can be cyclic). */
function chain(error: unknown): object[] {
  const links: object[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && links.length < 8 && !links.includes(current)) {
    links.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return links;
}

/**
 * The one classifier of the kit and of every service: an outage anywhere in the error's cause
 * chain wins over everything else, so a wrapped connection loss is never dead-lettered.
 */
export function classifyFailure(error: unknown): FailureKind {
  const links = chain(error);
  if (links.some(selfIsInfrastructure)) return 'infrastructure';
  const top = links[0];
  if (top && isUnknownSchemaId(top)) return 'transient';
  if (top && (top as { retryable?: unknown }).retryable === false) return 'poison';
  return 'transient';
}

/** Failures of the infrastructure rather than of the message (see classifyFailure). */
export function isInfrastructureError(error: unknown): boolean {
  return classifyFailure(error) === 'infrastructure';
}

/** False only for poison: errors that say retrying the same input cannot help. */
export function isRetryable(error: unknown): boolean {
  return classifyFailure(error) !== 'poison';
}
