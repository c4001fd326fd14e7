/**
 * The projector's catalogue of problem types, in the kit's one RFC 9457 format
 * (`urn:retail-backbone:problem:<code>`, field errors `{ pointer, detail }`; docs/problems.md).
 */
import { describeFieldErrors, problemOf, sendProblem as send, type FieldError, type ProblemType } from '@retail-backbone/observability';
import type { Response } from 'express';

export type { FieldError } from '@retail-backbone/observability';

export const ProblemTypes = {
  validationFailed: { code: 'validation-failed', status: 422, title: 'Invalid request' },
  malformedJson: { code: 'malformed-json', status: 400, title: 'Malformed JSON' },
  payloadTooLarge: { code: 'payload-too-large', status: 413, title: 'Request too large' },
  malformedPath: { code: 'malformed-path', status: 400, title: 'Malformed path' },
  badRequest: { code: 'bad-request', status: 400, title: 'Bad request' },
  unsupportedMediaType: { code: 'unsupported-media-type', status: 415, title: 'Unsupported media type' },
  unknownSku: { code: 'unknown-sku', status: 404, title: 'Unknown SKU' },
  notFound: { code: 'not-found', status: 404, title: 'Not found' },
  unauthenticated: { code: 'unauthenticated', status: 401, title: 'Authentication required' },
  rateLimited: { code: 'rate-limited', status: 429, title: 'Too many requests' },
  internal: { code: 'internal-error', status: 500, title: 'Internal error' },
} as const satisfies Record<string, ProblemType>;

export type ProblemKind = keyof typeof ProblemTypes;

/** Answers a problem of `kind`; `status` overrides the catalogue's for the 4xx a body parser chose. */
export function sendProblem(res: Response, kind: ProblemKind, detail: string, extensions: Record<string, unknown> = {}, status?: number): void {
  const body = problemOf(ProblemTypes[kind], detail, extensions);
  send(res, status ? { ...body, status } : body);
}

export function sendValidationProblem(res: Response, errors: FieldError[]): void {
  sendProblem(res, 'validationFailed', describeFieldErrors(errors), { errors });
}
