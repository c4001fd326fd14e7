import { trace, isSpanContextValid } from '@opentelemetry/api';
import winston from 'winston';
import { currentCorrelationId } from './correlation';
import { isIdentifierKey, isSensitiveKey, redact, redactText, REDACTED } from './redact';

export type Logger = winston.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Extra fields on every line (region, instance id). */
  defaultMeta?: Record<string, unknown>;
  /** Where lines go; defaults to stdout. Tests pass a stream to read lines back. */
  stream?: NodeJS.WritableStream;
}

/** winston's internal keys that must survive redaction untouched. */
const WINSTON_KEYS = new Set(['level', 'message', 'timestamp', 'service']);

const contextFields = winston.format((info) => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    info.trace_id = spanContext.traceId;
    info.span_id = spanContext.spanId;
    info.trace_flags = `0${spanContext.traceFlags.toString(16)}`;
  }
  const correlationId = currentCorrelationId();
  if (correlationId && info.correlation_id === undefined) info.correlation_id = correlationId;
  return info;
});

const redaction = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (WINSTON_KEYS.has(key) || isIdentifierKey(key)) continue;
    info[key] = isSensitiveKey(key) ? REDACTED : redact(info[key]);
  }
  // The message is free text too: an error may quote a customer's e-mail or card number.
  if (typeof info.message === 'string') info.message = redactText(info.message);
  return info;
});

/** A JSON logger whose lines carry trace_id, span_id and correlation_id, with PII redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    defaultMeta: { service: options.service, ...options.defaultMeta },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      contextFields(),
      redaction(),
      winston.format.json(),
    ),
    transports: [transport],
  });
}
