import type { Response } from 'express';

const TYPE_BASE = 'https://retail-backbone.dev/problems';

export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details. */
export function sendProblem(res: Response, status: number, slug: string, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type('application/problem+json').json({ type: `${TYPE_BASE}/${slug}`, title, status, detail, ...extra });
}

export function sendValidationProblem(res: Response, errors: FieldError[]): void {
  sendProblem(res, 422, 'validation', 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
}
