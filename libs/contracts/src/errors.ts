/**
 * Errors of the serde. The split that matters to a consumer runner: `retryable: false` means the
 * message itself is bad (route it to the DLQ); `retryable: true` means the infrastructure failed
 * (retry, pause, never dead-letter the message for it).
 */

export type DecodeErrorCode = 'BAD_MAGIC_BYTE' | 'UNKNOWN_SCHEMA_ID' | 'TRUNCATED' | 'SCHEMA_MISMATCH' | 'INVALID_PAYLOAD';

export interface DecodeErrorDetails {
  schemaId?: number;
  eventType?: string;
  /** Field-level problems, for INVALID_PAYLOAD found by semantic checks. */
  issues?: ReadonlyArray<{ path: string; message: string }>;
  cause?: unknown;
}

/** The bytes cannot be turned into a known event; retrying will not help. */
export class DecodeError extends Error {
  readonly retryable = false as const;
  readonly schemaId: number | undefined;
  readonly eventType: string | undefined;
  readonly issues: ReadonlyArray<{ path: string; message: string }>;

  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    details: DecodeErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DecodeError';
    this.schemaId = details.schemaId;
    this.eventType = details.eventType;
    this.issues = details.issues ?? [];
  }
}

/** The schema registry could not be reached or answered with a server error; try again later. */
export class RegistryUnavailableError extends Error {
  readonly retryable = true as const;
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryUnavailableError';
  }
}

/** A schema is not registered under the subject a producer needs; run the provision CLI. */
export class SchemaNotRegisteredError extends Error {
  readonly retryable = false as const;
  constructor(readonly subject: string) {
    super(`schema not registered under subject '${subject}'; run \`pnpm --filter @retail-backbone/contracts provision\``);
    this.name = 'SchemaNotRegisteredError';
  }
}

/** The registry refused a schema (incompatible with registered versions, or invalid). */
export class SchemaRegistrationError extends Error {
  readonly retryable = false as const;
  constructor(
    readonly subject: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`registering '${subject}' failed: ${message}`, options);
    this.name = 'SchemaRegistrationError';
  }
}
