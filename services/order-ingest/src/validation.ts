import type { z } from 'zod';
import { jsonPointer, type FieldError } from './http/problems';

export const SKU_MISSING = 'is empty and the line names no variant or product id to stand in for it';

/** One field error per zod issue, pointing into the inbound payload. */
export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({ pointer: prefix + jsonPointer(issue.path), detail: issue.message }));
}

export class PayloadInvalidError extends Error {
  constructor(
    readonly errors: FieldError[],
    readonly reasonCode = 'validation_failed',
  ) {
    super(`payload invalid: ${errors.map((e) => `${e.pointer || '(body)'} ${e.detail}`).join('; ')}`);
    this.name = 'PayloadInvalidError';
  }
}

/** Parses with a zod schema, turning its issues into a PayloadInvalidError; `prefix` locates `payload` in the body. */
export function parseWith<S extends z.ZodType>(schema: S, payload: unknown, prefix = ''): z.infer<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new PayloadInvalidError(fieldErrors(parsed.error, prefix), reasonCodeOf(parsed.error));
  return parsed.data;
}

/** 'unsupported_currency' when every problem is a currency, else the generic code. */
function reasonCodeOf(error: z.ZodError): string {
  const currencyOnly = error.issues.every((issue) => /currency/i.test(String(issue.path[issue.path.length - 1] ?? '')));
  return currencyOnly ? 'unsupported_currency' : 'validation_failed';
}
