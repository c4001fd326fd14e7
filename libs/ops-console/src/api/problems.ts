/**
 * The console API's catalogue of problem types, in the backbone's one RFC 9457 format
 * (`urn:retail-backbone:problem:<code>`, docs/problems.md). `field` names the offending input.
 */
import { CommonProblemTypes, problemOf, sendProblem as send, type ProblemType } from '@retail-backbone/observability';
import type { Response } from 'express';

export const ProblemTypes = {
  ...CommonProblemTypes,
  // Like the projector's API: a body that is not JSON is a 400 here.
  malformedJson: { ...CommonProblemTypes.malformedJson, status: 400, title: 'Malformed JSON' },
  badRequest: { code: 'bad-request', status: 400, title: 'Bad request' },
  notFound: { ...CommonProblemTypes.notFound, title: 'Not found' },
  unauthenticated: { code: 'unauthenticated', status: 401, title: 'Authentication required' },
  unsupportedMediaType: { code: 'unsupported-media-type', status: 415, title: 'Unsupported media type' },
  actionFailed: { code: 'action-failed', status: 502, title: 'The action failed' },
} as const satisfies Record<string, ProblemType>;

export type ProblemKind = keyof typeof ProblemTypes;

export function sendProblem(res: Response, kind: ProblemKind, detail: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  send(res, problemOf(ProblemTypes[kind], detail, extra), headers);
}

export class BadRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

/** Nothing is known by that name: a search with no match, or an action on an item that is not there. */
export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}
