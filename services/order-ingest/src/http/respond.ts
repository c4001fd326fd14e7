import type { Response } from 'express';
import { PROBLEM_CONTENT_TYPE, problem, type Problem, type ProblemKind } from './problems';

export const RETRY_AFTER_UNAVAILABLE_S = 5;

export function correlationIdOf(res: Response): string {
  return String(res.getHeader('x-correlation-id'));
}

export function sendProblem(res: Response, body: Problem, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

export function sendKind(res: Response, kind: ProblemKind, detail: string, extensions: Partial<Problem> = {}, headers: Record<string, string> = {}): void {
  sendProblem(res, problem(kind, detail, { correlationId: correlationIdOf(res), ...extensions }), headers);
}

/** Replays a stored answer exactly (problem bodies keep their media type). */
export function sendStored(res: Response, status: number, body: unknown): void {
  const isProblem = typeof body === 'object' && body !== null && 'type' in body && 'status' in body;
  res.status(status).type(isProblem ? PROBLEM_CONTENT_TYPE : 'application/json').send(JSON.stringify(body));
}
