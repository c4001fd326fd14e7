import type { Response } from 'express';

/** RFC 9457 problem details; `field` names the offending input. */
export function sendProblem(res: Response, status: number, title: string, detail: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
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

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}
