/**
 * RFC 9457 problem details. Every 4xx/5xx of the service answers application/problem+json with
 * a stable `type` per failure kind (documented in the README).
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'urn:retail-backbone:problem:';

export interface FieldError {
  /** RFC 6901 JSON pointer into the request body ('' for the whole body). */
  pointer: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  correlationId?: string;
  rejectionId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const ProblemTypes = {
  invalidSignature: { code: 'invalid-signature', status: 401, title: 'Request signature or API key is invalid' },
  malformedJson: { code: 'malformed-json', status: 422, title: 'Body is not valid JSON' },
  validationFailed: { code: 'validation-failed', status: 422, title: 'Payload failed validation' },
  unsupportedTopic: { code: 'unsupported-topic', status: 422, title: 'Webhook topic is not handled' },
  idempotencyKeyReused: { code: 'idempotency-key-reused', status: 409, title: 'Idempotency-Key was used with a different payload' },
  payloadTooLarge: { code: 'payload-too-large', status: 413, title: 'Body exceeds the size limit' },
  batchTooLarge: { code: 'batch-too-large', status: 413, title: 'Batch has too many items' },
  rateLimited: { code: 'rate-limited', status: 429, title: 'Too many requests for this API key' },
  unavailable: { code: 'service-unavailable', status: 503, title: 'Storage is unavailable; nothing was recorded' },
  internal: { code: 'internal-error', status: 500, title: 'Unexpected error' },
  notFound: { code: 'not-found', status: 404, title: 'No such route' },
} as const;

export type ProblemKind = keyof typeof ProblemTypes;

export function problem(kind: ProblemKind, detail: string, extensions: Omit<Partial<Problem>, 'type' | 'title' | 'status'> = {}): Problem {
  const def = ProblemTypes[kind];
  return { type: `${TYPE_BASE}${def.code}`, title: def.title, status: def.status, detail, ...extensions };
}

/** RFC 6901 pointer from a path of keys and indexes. */
export function jsonPointer(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
