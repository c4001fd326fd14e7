import type { Response } from 'express';
import { SimulatedOdooException, serializeException } from './odoo-exceptions';

/** What Odoo's JSON-2 dispatcher answers for an exception: status by class, the serialised exception as body. */
export function sendJson2Error(res: Response, err: unknown): void {
  const exc = asOdooException(err);
  res.status(exc.status).set(exc.headers).json(serializeException(exc));
}

/** JSON-RPC answers errors with HTTP 200 and the exception in error.data. */
export function jsonRpcError(id: unknown, err: unknown) {
  const exc = asOdooException(err);
  const notFoundRoute = exc.odooName === 'werkzeug.exceptions.NotFound';
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: notFoundRoute ? 404 : 0,
      message: notFoundRoute ? '404: Not Found' : 'Odoo Server Error',
      data: serializeException(exc),
    },
  };
}

/** Odoo leaves `result` out of the envelope when the method returned None. */
export function jsonRpcResult(id: unknown, result: unknown) {
  return result === null || result === undefined ? { jsonrpc: '2.0', id } : { jsonrpc: '2.0', id, result };
}

export function asOdooException(err: unknown): SimulatedOdooException {
  if (err instanceof SimulatedOdooException) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SimulatedOdooException('builtins.Exception', message, 500);
}

/** Plain werkzeug/proxy pages, for failures that happen outside Odoo's dispatcher. */
export function sendHtmlStatus(res: Response, status: number, title: string, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set(headers)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n`);
}
