import { baseServiceEnv, baseServiceSettings, env, loadConfig, z, type BaseServiceSettings } from '@retail-backbone/observability';
import { DEFAULT_SCHEMA } from './db/migrate';
import { parseRules, type LoyaltyRules } from './sync/rules';

/** The base settings (baseServiceSettings) with what tests may leave out, and the service's own. */
export interface LoyaltySyncConfig extends Omit<BaseServiceSettings, 'port' | 'consumerSessionTimeoutMs'> {
  serviceName: string;
  /** HTTP port for /healthz, /readyz and /metrics; undefined serves nothing (tests). */
  port?: number;
  schema: string;
  /** A consumer member's session timeout (KAFKA_CONSUMER_SESSION_TIMEOUT_MS); kafkajs' 30 s when unset (tests). */
  consumerSessionTimeoutMs?: number;
  groupId: string;
  topics: string[];
  platform: { url: string; apiKey: string; timeoutMs: number };
  /** Calls per second the platform allows this API key. */
  rateLimitPerSecond: number;
  concurrency: number;
  /** The platform's own request time limit plus a margin: an ambiguous call is looked up after it. */
  ambiguityWindowMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  /** Longest wait between retries of a movement the platform did not apply (an outage drains within it). */
  retryMaxDelayMs: number;
  rules: LoyaltyRules;
  relay: boolean;
}

const schema = baseServiceEnv.extend({
  /** PORT wins over HTTP_PORT when both are set (platforms commonly inject PORT). */
  PORT: env.port().optional(),
  SERVICE_NAME: z.string().min(1).default('loyalty-sync'),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default(DEFAULT_SCHEMA),
  CONSUMER_GROUP: z.string().min(1).default('loyalty-sync'),
  LOYALTY_PLATFORM_URL: env.url(),
  LOYALTY_PLATFORM_API_KEY: z.string().min(1),
  LOYALTY_TIMEOUT_MS: env.positiveInt().default(5_000),
  LOYALTY_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  LOYALTY_CONCURRENCY: env.positiveInt().default(4),
  LOYALTY_AMBIGUITY_WINDOW_MS: env.positiveInt().default(15_000),
  LOYALTY_RETRY_MAX_DELAY_MS: env.positiveInt().default(5_000),
  BREAKER_THRESHOLD: env.positiveInt().default(5),
  BREAKER_HALF_OPEN_MS: env.positiveInt().default(2_000),
  LOYALTY_RULES: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      try {
        parseRules(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not valid loyalty rules: ${(error as Error).message.split('\n')[0]}` });
      }
    }),
});

export const LOYALTY_TOPICS = ['retail.orders.v1', 'retail.payments.v1', 'retail.shipments.v1'];

/** Reads and validates the environment; every problem is reported at once (ConfigError). */
export function configFromEnv(source: NodeJS.ProcessEnv = process.env): LoyaltySyncConfig {
  const c = loadConfig(schema as unknown as z.ZodObject, source) as z.infer<typeof schema>;
  return {
    serviceName: c.SERVICE_NAME,
    ...baseServiceSettings(c),
    schema: c.DB_SCHEMA,
    groupId: c.CONSUMER_GROUP,
    topics: LOYALTY_TOPICS,
    platform: { url: c.LOYALTY_PLATFORM_URL, apiKey: c.LOYALTY_PLATFORM_API_KEY, timeoutMs: c.LOYALTY_TIMEOUT_MS },
    rateLimitPerSecond: c.LOYALTY_RATE_LIMIT_PER_SECOND,
    concurrency: c.LOYALTY_CONCURRENCY,
    ambiguityWindowMs: c.LOYALTY_AMBIGUITY_WINDOW_MS,
    breakerThreshold: c.BREAKER_THRESHOLD,
    breakerHalfOpenMs: c.BREAKER_HALF_OPEN_MS,
    retryMaxDelayMs: c.LOYALTY_RETRY_MAX_DELAY_MS,
    rules: parseRules(c.LOYALTY_RULES),
    relay: true,
  };
}
