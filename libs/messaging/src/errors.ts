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

export function isRetryable(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
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

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Failures of the infrastructure rather than of the message: an error flagged `retryable: true`
 * (the serde's RegistryUnavailableError), a lost network connection, or a Postgres connection or
 * shutdown error (SQLSTATE classes 08 and 57P). They are retried without limit and never
 * dead-letter a message.
 */
export function isInfrastructureError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { retryable, code } = error as { retryable?: unknown; code?: unknown };
  if (retryable === true) return true;
  if (typeof code !== 'string') return false;
  return NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('57P');
}
