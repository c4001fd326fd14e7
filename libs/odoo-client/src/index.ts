export { createOdooClient, type OdooCallEvent, type OdooClient, type OdooClientOptions } from './client';
export {
  OdooAccessError,
  OdooConcurrencyError,
  OdooError,
  OdooMissingError,
  OdooRequestError,
  OdooServerError,
  OdooTimeoutError,
  OdooUnavailableError,
  OdooValidationError,
  errorFromPayload,
  parseErrorPayload,
  parseRetryAfter,
  type OdooErrorPayload,
  type OdooProtocol,
} from './errors';
export * from './types';
export { XMLID_MODULE, xmlIdName } from './external-ids';
