import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates environment variables against a zod object schema whose keys are the variable names.
 * Every missing or invalid variable is reported, each on its own line, in one error.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    const missing = issue.code === 'invalid_type' && env[name] === undefined;
    return missing ? `${name}: is required but not set` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** Reusable variable parsers for the connection settings every service reads. */
export const env = {
  url: () => z.url(),
  port: () => z.coerce.number().int().min(0).max(65535),
  positiveInt: () => z.coerce.number().int().positive(),
  /** Comma-separated list, e.g. KAFKA_BROKERS=host1:9092,host2:9092. */
  list: () =>
    z
      .string()
      .min(1)
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean)),
  bool: () =>
    z
      .enum(['true', 'false', '1', '0'])
      .transform((value) => value === 'true' || value === '1'),
  logLevel: () => z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']),
  /**
   * A consumer group member's session timeout. Kafka's defaults (6 s to 30 min) bound it; a member
   * that died is only replaced after it, so it is how long its partitions wait after a crash.
   */
  sessionTimeoutMs: () => z.coerce.number().int().min(6_000).max(1_800_000),
};

/** Settings shared by every service of the backbone. */
export const baseServiceEnv = z.object({
  SERVICE_NAME: z.string().min(1).optional(),
  REGION: z.string().min(1).default('local'),
  HTTP_PORT: env.port().default(8080),
  LOG_LEVEL: env.logLevel().default('info'),
  DATABASE_URL: env.url(),
  KAFKA_BROKERS: env.list(),
  SCHEMA_REGISTRY_URL: env.url(),
  SHUTDOWN_TIMEOUT_MS: env.positiveInt().default(15_000),
  KAFKA_CONSUMER_SESSION_TIMEOUT_MS: env.sessionTimeoutMs().default(30_000),
});

/** baseServiceEnv's settings as a service's config carries them. */
export interface BaseServiceSettings {
  region: string;
  logLevel: string;
  port: number;
  databaseUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** A consumer member's session timeout (KAFKA_CONSUMER_SESSION_TIMEOUT_MS; default 30 s). */
  consumerSessionTimeoutMs: number;
  shutdownTimeoutMs: number;
}

/** The settings of a parsed baseServiceEnv; a PORT the service's schema adds wins over HTTP_PORT. */
export function baseServiceSettings(e: z.infer<typeof baseServiceEnv> & { PORT?: number }): BaseServiceSettings {
  return {
    region: e.REGION,
    logLevel: e.LOG_LEVEL,
    port: e.PORT ?? e.HTTP_PORT,
    databaseUrl: e.DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    consumerSessionTimeoutMs: e.KAFKA_CONSUMER_SESSION_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

export { z };
