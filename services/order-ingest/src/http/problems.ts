/**
 * order-ingest's catalogue of problem types, in the kit's one RFC 9457 format
 * (`urn:retail-backbone:problem:<code>`, field errors `{ pointer, detail }`; docs/problems.md).
 */
import { CommonProblemTypes, problemOf, type Problem, type ProblemType } from '@retail-backbone/observability';

export { PROBLEM_CONTENT_TYPE, jsonPointer, type FieldError, type Problem } from '@retail-backbone/observability';

export const ProblemTypes = {
  ...CommonProblemTypes,
  invalidSignature: { code: 'invalid-signature', status: 401, title: 'Request signature or API key is invalid' },
  unsupportedTopic: { code: 'unsupported-topic', status: 422, title: 'Webhook topic is not handled' },
  idempotencyKeyReused: { code: 'idempotency-key-reused', status: 409, title: 'Idempotency-Key was used with a different payload' },
  batchTooLarge: { code: 'batch-too-large', status: 413, title: 'Batch has too many items' },
  rateLimited: { ...CommonProblemTypes.rateLimited, title: 'Too many requests for this API key' },
  unavailable: { ...CommonProblemTypes.unavailable, title: 'Storage is unavailable; nothing was recorded' },
} as const satisfies Record<string, ProblemType>;

export type ProblemKind = keyof typeof ProblemTypes;

export function problem(kind: ProblemKind, detail: string, extensions: Omit<Partial<Problem>, 'type' | 'title' | 'status'> = {}): Problem {
  return problemOf(ProblemTypes[kind], detail, extensions);
}
