import type { IHeaders } from 'kafkajs';

/**
 * Kafka header names. The ce_* ones mirror the CloudEvents Kafka binary binding, so generic
 * tooling can read the event id and type without decoding the value.
 */
export const Headers = {
  EVENT_ID: 'ce_id',
  EVENT_TYPE: 'ce_type',
  SOURCE: 'ce_source',
  SPEC_VERSION: 'ce_specversion',
  CORRELATION_ID: 'correlation-id',
  TRACEPARENT: 'traceparent',
  TRACESTATE: 'tracestate',
  BAGGAGE: 'baggage',
  DLQ_ERROR_MESSAGE: 'dlq-error-message',
  DLQ_ERROR_CLASS: 'dlq-error-class',
  DLQ_ERROR_CODE: 'dlq-error-code',
  DLQ_ATTEMPTS: 'dlq-attempts',
  DLQ_ORIGINAL_TOPIC: 'dlq-original-topic',
  DLQ_ORIGINAL_PARTITION: 'dlq-original-partition',
  DLQ_ORIGINAL_OFFSET: 'dlq-original-offset',
  DLQ_CONSUMER_GROUP: 'dlq-consumer-group',
  DLQ_FAILED_AT: 'dlq-failed-at',
  REPLAYED_FROM: 'dlq-replayed-from',
} as const;

export const DLQ_HEADER_PREFIX = 'dlq-';

export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || value === null) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Headers as plain strings (the last value wins for repeated names). */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerString(headers, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
