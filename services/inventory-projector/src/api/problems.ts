/**
 * The projector's catalogue of problem types, in the kit's one RFC 9457 format
 * (`urn:retail-backbone:problem:<code>`, field errors `{ pointer, detail }`; docs/problems.md).
 */
import { CommonProblemTypes, describeFieldErrors, problemOf, sendProblem as send, type FieldError, type ProblemType } from '@retail-backbone/observability';
import type { Response } from 'express';

export type { FieldError } from '@retail-backbone/observability';

export const ProblemTypes = {
  ...CommonProblemTypes,
  validationFailed: { ...CommonProblemTypes.validationFailed, title: 'Invalid request' },
  // The projector's API answered 400 for malformed JSON from the start; clients rely on it.
  malformedJson: { ...CommonProblemTypes.malformedJson, status: 400, title: 'Malformed JSON' },
  payloadTooLarge: { ...CommonProblemTypes.payloadTooLarge, title: 'Request too large' },
  malformedPath: { code: 'malformed-path', status: 400, title: 'Malformed path' },
  badRequest: { code: 'bad-request', status: 400, title: 'Bad request' },
  unsupportedMediaType: { code: 'unsupported-media-type', status: 415, title: 'Unsupported media type' },
  unknownSku: { code: 'unknown-sku', status: 404, title: 'Unknown SKU' },
  notFound: { ...CommonProblemTypes.notFound, title: 'Not found' },
  unauthenticated: { code: 'unauthenticated', status: 401, title: 'Authentication required' },
  internal: { ...CommonProblemTypes.internal, title: 'Internal error' },
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
