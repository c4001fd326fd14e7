export type OdooProtocol = 'json2' | 'jsonrpc';

export interface OdooErrorInit {
  /** Python exception name from Odoo's payload, e.g. odoo.exceptions.ValidationError. */
  odooName?: string;
  message: string;
  arguments?: unknown[];
  /** HTTP status of the answer (JSON-RPC errors arrive with 200). */
  status?: number;
  retryAfterMs?: number;
  ambiguous?: boolean;
  cause?: unknown;
}

/**
 * Base class of every failure the client reports. `retryable` says whether the same call may
 * succeed later; `ambiguous` says the call may have been committed although no answer arrived,
 * so the caller must look (e.g. search by external id) before repeating a non-idempotent call.
 */
export abstract class OdooError extends Error {
  abstract readonly retryable: boolean;
  readonly ambiguous: boolean;
  readonly odooName: string | undefined;
  readonly arguments: unknown[];
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  model: string | undefined;
  method: string | undefined;
  protocol: OdooProtocol | undefined;

  constructor(init: OdooErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.odooName = init.odooName;
    this.arguments = init.arguments ?? [];
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.ambiguous = init.ambiguous ?? false;
  }
}

/** Bad or expired API key, wrong login, or missing access rights (401/403, AccessError, AccessDenied). */
export class OdooAccessError extends OdooError {
  readonly retryable = false;
}

/** Business rule refused the call: ValidationError, UserError (422). */
export class OdooValidationError extends OdooError {
  readonly retryable = false;
}

/** The records do not exist (MissingError, 404). */
export class OdooMissingError extends OdooError {
  readonly retryable = false;
}

/** Lost a race with another transaction (LockError 409, serialization failure): safe to retry. */
export class OdooConcurrencyError extends OdooError {
  readonly retryable = true;
}

/** Odoo cannot serve now (5xx from a proxy, 503, 429, connection refused or reset): retry later. */
export class OdooUnavailableError extends OdooError {
  readonly retryable = true;
}

/** No answer within the deadline: the call may or may not have been committed. */
export class OdooTimeoutError extends OdooError {
  readonly retryable = true;
  constructor(init: OdooErrorInit) {
    super({ ...init, ambiguous: true });
  }
}

/** A server-side bug or unexpected exception (e.g. builtins.ValueError): retrying will not help. */
export class OdooServerError extends OdooError {
  readonly retryable = false;
}

/** The request itself is wrong: unknown model or method, bad arguments, bad JSON, wrong database. */
export class OdooRequestError extends OdooError {
  readonly retryable = false;
}

export interface OdooErrorPayload {
  name?: string;
  message: string;
  arguments?: unknown[];
}

/**
 * Reads an Odoo error body: the serialised exception {name, message, arguments, ...}, or a bare
 * JSON string as some documented examples show.
 */
export function parseErrorPayload(body: unknown): OdooErrorPayload | undefined {
  if (typeof body === 'string') return { message: body };
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.name !== 'string' && typeof b.message !== 'string') return undefined;
  return {
    name: typeof b.name === 'string' ? b.name : undefined,
    message: typeof b.message === 'string' ? b.message : String(b.name),
    arguments: Array.isArray(b.arguments) ? b.arguments : undefined,
  };
}

const CONCURRENCY_NAMES = [
  'odoo.exceptions.LockError',
  'psycopg2.errors.SerializationFailure',
  'psycopg2.errors.DeadlockDetected',
  'psycopg2.errors.LockNotAvailable',
  'psycopg2.extensions.TransactionRollbackError',
];
const CONCURRENCY_MESSAGE = /could not serialize access|deadlock detected|could not obtain lock/i;
const ACCESS_NAMES = ['odoo.exceptions.AccessError', 'odoo.exceptions.AccessDenied', 'werkzeug.exceptions.Unauthorized', 'werkzeug.exceptions.Forbidden'];
const VALIDATION_NAMES = ['odoo.exceptions.ValidationError', 'odoo.exceptions.UserError', 'odoo.exceptions.RedirectWarning'];

type ErrorClass = new (init: OdooErrorInit) => OdooError;

function classByName(name: string, message: string): ErrorClass | undefined {
  if (CONCURRENCY_NAMES.includes(name) || CONCURRENCY_MESSAGE.test(message)) return OdooConcurrencyError;
  if (ACCESS_NAMES.includes(name)) return OdooAccessError;
  if (VALIDATION_NAMES.includes(name)) return OdooValidationError;
  if (name === 'odoo.exceptions.MissingError') return OdooMissingError;
  if (name === 'odoo.http.SessionExpiredException') return OdooAccessError;
  if (name === 'psycopg2.OperationalError' || name === 'psycopg2.InterfaceError') {
    return /does not exist/.test(message) ? OdooRequestError : OdooUnavailableError;
  }
  if (name.startsWith('werkzeug.exceptions.')) {
    return name.endsWith('ServiceUnavailable') || name.endsWith('TooManyRequests') ? OdooUnavailableError : OdooRequestError;
  }
  if (name === 'builtins.TypeError') return OdooRequestError;
  return undefined;
}

function classByStatus(status: number | undefined): ErrorClass {
  if (status === 401 || status === 403) return OdooAccessError;
  if (status === 404) return OdooMissingError;
  if (status === 409) return OdooConcurrencyError;
  if (status === 422) return OdooValidationError;
  if (status === 429 || (status !== undefined && status >= 500)) return OdooUnavailableError;
  return OdooRequestError;
}

/**
 * Maps an Odoo failure to a typed error. The exception name decides first; the HTTP status
 * decides when there is no name (proxy pages, bare strings). A named exception Odoo did not
 * expect (a Python bug) is an OdooServerError whatever the status.
 */
export function errorFromPayload(payload: OdooErrorPayload | undefined, status: number | undefined, fallbackMessage: string, retryAfterMs?: number): OdooError {
  const message = payload?.message ?? fallbackMessage;
  const name = payload?.name;
  const Cls = (name && classByName(name, message)) || (name && status !== 429 && status !== 503 ? OdooServerError : classByStatus(status));
  return new Cls({ odooName: name, message, arguments: payload?.arguments, status, retryAfterMs });
}

/** Retry-After as delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
