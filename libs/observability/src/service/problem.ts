import type { Response } from 'express';

/**
 * The one RFC 9457 problem format of the backbone (docs/problems.md): `type` is
 * `urn:retail-backbone:problem:<code>`, field errors are `{ pointer, detail }` with an RFC 6901
 * pointer into the request (`/skus/1`; a query parameter is `/query/<name>`).
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_PREFIX = 'urn:retail-backbone:problem:';

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
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** One entry of a service's catalogue of problem types. */
export interface ProblemType {
  code: string;
  status: number;
  title: string;
}

/**
 * The codes every HTTP API shares, one meaning each; a service spreads these into its catalogue
 * and may restate a title or, where its contract says so, a status.
 */
export const CommonProblemTypes = {
  validationFailed: { code: 'validation-failed', status: 422, title: 'Payload failed validation' },
  malformedJson: { code: 'malformed-json', status: 422, title: 'Body is not valid JSON' },
  payloadTooLarge: { code: 'payload-too-large', status: 413, title: 'Body exceeds the size limit' },
  rateLimited: { code: 'rate-limited', status: 429, title: 'Too many requests' },
  notFound: { code: 'not-found', status: 404, title: 'No such route' },
  badRequest: { code: 'bad-request', status: 400, title: 'Bad request' },
  internal: { code: 'internal-error', status: 500, title: 'Unexpected error' },
  unavailable: { code: 'service-unavailable', status: 503, title: 'A dependency is unavailable' },
} as const satisfies Record<string, ProblemType>;

export function problemTypeUri(code: string): string {
  return `${PROBLEM_TYPE_PREFIX}${code}`;
}

export function problemOf(def: ProblemType, detail: string, extensions: Omit<Partial<Problem>, 'type' | 'title' | 'status'> = {}): Problem {
  return { type: problemTypeUri(def.code), title: def.title, status: def.status, detail, ...extensions };
}

/** Answers `body` as application/problem+json with its status. */
export function sendProblem(res: Response, body: Problem, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** RFC 6901 pointer from a path of keys and indexes. */
export function jsonPointer(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A one-line `detail` naming every field error. */
export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.pointer || '(body)'}: ${e.detail}`).join('; ');
}
