/**
 * Exceptions raised by simulated Odoo code. `name` is the Python qualified name Odoo puts in its
 * error payloads; `status` is the HTTP status the JSON-2 dispatcher would answer with.
 */
export class SimulatedOdooException extends Error {
  constructor(
    readonly odooName: string,
    message: string,
    readonly status: number,
    readonly args: unknown[] = [message],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const userError = (message: string) =>
  new SimulatedOdooException('odoo.exceptions.UserError', message, 422);

export const validationError = (message: string) =>
  new SimulatedOdooException('odoo.exceptions.ValidationError', message, 422);

export const accessError = (message: string) =>
  new SimulatedOdooException('odoo.exceptions.AccessError', message, 403);

export const accessDenied = () =>
  new SimulatedOdooException('odoo.exceptions.AccessDenied', 'Access Denied', 403);

export const missingError = (model: string, ids: number[], uid: number) =>
  new SimulatedOdooException(
    'odoo.exceptions.MissingError',
    `Record does not exist or has been deleted.\n(Record: ${model}(${ids.join(', ')},), User: ${uid})`,
    404,
  );

export const lockError = () =>
  new SimulatedOdooException(
    'odoo.exceptions.LockError',
    'Cannot perform the operation: the record is being modified by another transaction. Please try again.',
    409,
  );

export const serializationFailure = () =>
  new SimulatedOdooException(
    'psycopg2.errors.SerializationFailure',
    'could not serialize access due to concurrent update\n',
    500,
  );

/** werkzeug HTTPExceptions: Odoo serialises them with arguments (description, code). */
export const httpException = (name: string, description: string, code: number, headers: Record<string, string> = {}) =>
  new SimulatedOdooException(`werkzeug.exceptions.${name}`, description, code, [description, code], headers);

export const unauthorized = () =>
  httpException('Unauthorized', 'Invalid apikey', 401, { 'WWW-Authenticate': 'bearer' });

export const notFound = (description: string) => httpException('NotFound', description, 404);

/** Python errors that are not Odoo exceptions: the JSON-2 dispatcher answers 500 for them. */
export const pythonError = (type: 'ValueError' | 'TypeError' | 'KeyError' | 'Exception', message: string, status = 500) =>
  new SimulatedOdooException(`builtins.${type}`, message, status);

/** The shape Odoo's serialize_exception produces (JSON-2 body, JSON-RPC error.data). */
export function serializeException(exc: SimulatedOdooException): {
  name: string;
  message: string;
  arguments: unknown[];
  context: Record<string, unknown>;
  debug: string;
} {
  return {
    name: exc.odooName,
    message: exc.message,
    arguments: exc.args,
    context: {},
    debug: `Traceback (most recent call last):\n  File "odoo-simulator", line 1, in <simulated>\n${exc.odooName}: ${exc.message}\n`,
  };
}
