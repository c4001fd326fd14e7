import type { Response } from 'express';
import { PROBLEM_CONTENT_TYPE, sendProblem, type Problem } from '@retail-backbone/observability';
import { problem, type ProblemKind } from './problems';

export { sendProblem };

export const RETRY_AFTER_UNAVAILABLE_S = 5;

export function correlationIdOf(res: Response): string {
  return String(res.getHeader('x-correlation-id'));
}

export function sendKind(res: Response, kind: ProblemKind, detail: string, extensions: Partial<Problem> = {}, headers: Record<string, string> = {}): void {
  sendProblem(res, problem(kind, detail, { correlationId: correlationIdOf(res), ...extensions }), headers);
}

/** Replays a stored answer exactly (problem bodies keep their media type). */
export function sendStored(res: Response, status: number, body: unknown): void {
  const isProblem = typeof body === 'object' && body !== null && 'type' in body && 'status' in body;
  res.status(status).type(isProblem ? PROBLEM_CONTENT_TYPE : 'application/json').send(JSON.stringify(body));
}
