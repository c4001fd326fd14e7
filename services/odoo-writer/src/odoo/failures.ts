import {
  OdooAccessError,
  OdooError,
  OdooMissingError,
  OdooRequestError,
  OdooServerError,
  OdooValidationError,
} from '@retail-backbone/odoo-client';
import type { EffectErrorClass } from '@retail-backbone/messaging';

/** Stable error codes carried by ErpSyncFailed.errorCode. */
export type BusinessErrorCode =
  | 'product_not_found'
  | 'partner_archived'
  | 'order_not_synced'
  | 'picking_not_found'
  | 'validation_error'
  | 'record_missing'
  | 'server_error'
  /** the money of an order cannot be written as the channel computed it (ODOO_ACCOUNTING) */
  | 'tax_unmapped'
  | 'currency_unmapped'
  | 'company_unmapped'
  | 'accounting_not_found'
  | 'total_mismatch';

/**
 * A failure that retrying the same call right away cannot fix: the data or Odoo's configuration
 * must change first. The event is parked (not dead-lettered) and retried periodically.
 */
export class BusinessError extends Error {
  readonly retryable = false;
  constructor(
    readonly code: BusinessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BusinessError';
  }
}

/**
 * Turns an Odoo refusal into a BusinessError; anything else (outage, timeout, lock, bad key) is
 * returned unchanged so it propagates as an infrastructure failure and is retried without limit.
 * Request and server errors are parked too: they are deterministic for the data sent, and a
 * parked event can be retried once Odoo or the writer is fixed, whereas a storm of retries cannot.
 */
export function asBusinessError(error: unknown): BusinessError | undefined {
  if (error instanceof BusinessError) return error;
  if (!(error instanceof OdooError) || error instanceof OdooAccessError) return undefined;
  const where = error.model ? ` (${error.model}/${error.method ?? '?'})` : '';
  if (error instanceof OdooValidationError) return new BusinessError('validation_error', `${firstLine(error.message)}${where}`, { cause: error });
  if (error instanceof OdooMissingError) return new BusinessError('record_missing', `${firstLine(error.message)}${where}`, { cause: error });
  if (error instanceof OdooServerError || error instanceof OdooRequestError) {
    return new BusinessError('server_error', `${error.odooName ?? error.name}: ${firstLine(error.message)}${where}`, { cause: error });
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 300);
}

/**
 * How the effect executor reads an error thrown out of a batch of Odoo calls: a business refusal
 * is 'failed' (parked); an Odoo error that proves the call was not applied is 'retry'; a timeout,
 * a dropped connection or anything unknown is 'ambiguous' (looked up only after limit_time_real).
 */
export function classifyOdooError(error: unknown): EffectErrorClass {
  if (asBusinessError(error)) return 'failed';
  if (error instanceof OdooError) return error.ambiguous ? 'ambiguous' : 'retry';
  return 'ambiguous';
}
