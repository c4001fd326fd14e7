import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { errorClass, errorCode, errorMessage } from '../errors';
import { Headers } from '../headers';

export interface DeadLetterContext {
  topic: string;
  partition: number;
  group: string;
  attempts: number;
  error: unknown;
  failedAt?: Date;
}

/** Header values are capped so an enormous error message cannot make the DLQ write fail. */
const MAX_ERROR_MESSAGE = 2_000;

/** The original key, bytes and headers, plus headers that say what failed and where it came from. */
export function deadLetterMessage(message: KafkaMessage, context: DeadLetterContext): Message {
  const headers: IHeaders = { ...message.headers };
  headers[Headers.DLQ_ERROR_MESSAGE] = errorMessage(context.error).slice(0, MAX_ERROR_MESSAGE);
  headers[Headers.DLQ_ERROR_CLASS] = errorClass(context.error);
  const code = errorCode(context.error);
  if (code !== undefined) headers[Headers.DLQ_ERROR_CODE] = code;
  headers[Headers.DLQ_ATTEMPTS] = String(context.attempts);
  headers[Headers.DLQ_ORIGINAL_TOPIC] = context.topic;
  headers[Headers.DLQ_ORIGINAL_PARTITION] = String(context.partition);
  headers[Headers.DLQ_ORIGINAL_OFFSET] = message.offset;
  headers[Headers.DLQ_CONSUMER_GROUP] = context.group;
  headers[Headers.DLQ_FAILED_AT] = (context.failedAt ?? new Date()).toISOString();
  return { key: message.key, value: message.value, headers };
}
