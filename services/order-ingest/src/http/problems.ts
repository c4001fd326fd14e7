/**
 * order-ingest's catalogue of problem types, in the kit's one RFC 9457 format
 * (`urn:retail-backbone:problem:<code>`, field errors `{ pointer, detail }`; docs/problems.md).
 */
import { problemOf, type Problem, type ProblemType } from '@retail-backbone/observability';

export { PROBLEM_CONTENT_TYPE, jsonPointer, type FieldError, type Problem } from '@retail-backbone/observability';

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
} as const satisfies Record<string, ProblemType>;

export type ProblemKind = keyof typeof ProblemTypes;

export function problem(kind: ProblemKind, detail: string, extensions: Omit<Partial<Problem>, 'type' | 'title' | 'status'> = {}): Problem {
  return problemOf(ProblemTypes[kind], detail, extensions);
}
