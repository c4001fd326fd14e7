export { withCorrelationId, currentCorrelationId } from './correlation';
export { redact, redactText, isSensitiveKey, isIdentifierKey, REDACTED, REDACTED_CARD, REDACTED_EMAIL, REDACTED_PHONE } from './redact';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export {
  startTelemetry,
  injectTraceContext,
  extractTraceContext,
  currentTraceIds,
  traceHeaderPropagator,
  InMemorySpanExporter,
  type ReadableSpan,
  type Telemetry,
  type TelemetryOptions,
  type TraceCarrier,
} from './tracing';
export { MessagingAttributes, MESSAGING_SYSTEM_KAFKA } from './semconv';
export { createMetricsRegistry, Registry, type RegistryOptions } from './metrics';
export { loadConfig, ConfigError, env, baseServiceEnv, baseServiceSettings, type BaseServiceSettings, z } from './service/config';
export { Lifecycle, type Hook, type LifecycleOptions } from './service/lifecycle';
export { createHttpApp, listen, CORRELATION_HEADER, type ReadinessCheck, type HttpAppOptions } from './service/http';
export {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_PREFIX,
  CommonProblemTypes,
  problemTypeUri,
  problemOf,
  sendProblem,
  jsonPointer,
  describeFieldErrors,
  type Problem,
  type ProblemType,
  type FieldError,
} from './service/problem';
export { redactCardData, CARD_REDACTED } from './redact-card-data';
export { parseJsonExact, parseJsonBody, quoteLongIntegers, storableString, MalformedJsonError, MAX_JSON_DEPTH, REPLACEMENT_CHARACTER } from './json-exact';
export type { Express, Request, RequestHandler, Response, NextFunction } from 'express';
