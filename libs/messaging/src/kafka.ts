import { kafkaSecurityFromEnv, type KafkaSecurity } from '@retail-backbone/connections';
import type { Logger } from '@retail-backbone/observability';
import { Kafka, logLevel, type KafkaConfig, type logCreator } from 'kafkajs';

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs' own log lines into the service's JSON logger. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, ...rest } = log;
    logger.log(LEVEL_NAMES[level] ?? 'info', message, { component: `kafkajs.${namespace}`, ...rest });
  };
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  config?: Partial<KafkaConfig>;
  /** TLS and SASL; read from KAFKA_TLS* / KAFKA_SASL_* when not given. */
  security?: KafkaSecurity;
}

const configs = new WeakMap<Kafka, KafkaConfig>();

export function createKafka(options: KafkaClientOptions): Kafka {
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    ...(options.logger ? { logCreator: kafkaLogCreator(options.logger) } : {}),
    ...(options.security ?? kafkaSecurityFromEnv()),
    ...options.config,
  };
  const kafka = new Kafka(config);
  configs.set(kafka, config);
  return kafka;
}

/**
 * The configuration a client was made with by createKafka (undefined for others), so a component
 * that needs its own connections (the relay's fenced producer) can open them with the same settings.
 */
export function kafkaConfigOf(kafka: Kafka): KafkaConfig | undefined {
  return configs.get(kafka);
}
