import { baseServiceEnv, ConfigError, env, loadConfig, z } from '@retail-backbone/observability';
import type { RetentionDays } from './store/retention';
import { normaliseShopDomain, normaliseSiteUrl, parseSourceMap, type WebhookSource } from './auth/webhook-sources';

const optionalSecret = z.string().min(16, 'must be at least 16 characters').optional();
const byteSize = z.string().regex(/^\d+(b|kb|mb)$/i, "must be a size like '512kb' or '2mb'");

export const orderIngestEnv = baseServiceEnv.extend({
  /** PORT wins over the kit's HTTP_PORT (platforms set PORT). */
  PORT: env.port().optional(),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('order_ingest'),
  DB_POOL_SIZE: env.positiveInt().default(20),
  SHOPIFY_WEBHOOK_SECRET: optionalSecret,
  WOOCOMMERCE_WEBHOOK_SECRET: optionalSecret,
  STRIPE_WEBHOOK_SECRET: optionalSecret,
  /** JSON {"<shop>.myshopify.com": ["<secret>", "<previous secret>"]}: the allowlist of shops. */
  SHOPIFY_WEBHOOK_SECRETS: z.string().optional(),
  /** JSON {"https://<site>": ["<secret>", ...]}: the allowlist of WooCommerce sites. */
  WOOCOMMERCE_WEBHOOK_SECRETS: z.string().optional(),
  /** 72 h: longer than Shopify's 48 h of retries, which keep the first X-Shopify-Triggered-At. */
  SHOPIFY_TRIGGERED_AT_WINDOW_SECONDS: env.positiveInt().default(72 * 3600),
  STRIPE_TOLERANCE_SECONDS: env.positiveInt().default(300),
  DEFAULT_LOCATION_ID: z.string().min(1).default('online'),
  WEBHOOK_BODY_LIMIT: byteSize.default('2mb'),
  POS_BODY_LIMIT: byteSize.default('1mb'),
  POS_BATCH_BODY_LIMIT: byteSize.default('16mb'),
  POS_BATCH_MAX_ITEMS: env.positiveInt().default(5_000),
  POS_RATE_LIMIT_PER_SECOND: env.positiveInt().default(50),
  POS_KEY_CACHE_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** Failed POS key checks allowed per client address and minute before it gets 429 without a look-up. */
  POS_AUTH_FAILURES_PER_MINUTE: env.positiveInt().default(20),
  /** Days kept per table (0 = forever) and how often retention runs. */
  RETENTION_INGEST_REQUESTS_DAYS: z.coerce.number().int().nonnegative().default(30),
  RETENTION_REJECTIONS_DAYS: z.coerce.number().int().nonnegative().default(30),
  RETENTION_FACTS_DAYS: z.coerce.number().int().nonnegative().default(400),
  RETENTION_CONFLICTS_DAYS: z.coerce.number().int().nonnegative().default(90),
  RETENTION_INTERVAL_MINUTES: env.positiveInt().default(60),
  RUN_RELAY: env.bool().default(true),
  AUTO_REGISTER_SCHEMAS: env.bool().default(false),
});

export type OrderIngestEnv = z.infer<typeof orderIngestEnv>;

export interface OrderIngestConfig {
  region: string;
  port: number;
  databaseUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  schema: string;
  poolSize: number;
  /** Legacy single secrets: any shop/site may use them (development); Stripe has one account. */
  secrets: { shopify?: string; woocommerce?: string; stripe?: string };
  /** Per-shop / per-site secrets (two or more during a rotation); their keys are the allowlist. */
  webhookSources?: { shopify: WebhookSource[]; woocommerce: WebhookSource[] };
  triggeredAtWindowSeconds?: number;
  stripeToleranceSeconds: number;
  defaultLocationId: string;
  limits: { webhookBody: string; posBody: string; posBatchBody: string; posBatchItems: number; posRatePerSecond: number };
  posKeyCacheMs: number;
  posAuthFailuresPerMinute?: number;
  /** Absent: no retention runs (tests, tools); configFromEnv always sets it. */
  retention?: { days: RetentionDays; intervalMs: number };
  runRelay: boolean;
  autoRegisterSchemas: boolean;
  shutdownTimeoutMs: number;
  logLevel: string;
}

export function configFromEnv(source: NodeJS.ProcessEnv = process.env): OrderIngestConfig {
  const e = loadConfig(orderIngestEnv, source);
  const shopify = parseSourceMap('SHOPIFY_WEBHOOK_SECRETS', e.SHOPIFY_WEBHOOK_SECRETS, normaliseShopDomain);
  const woocommerce = parseSourceMap('WOOCOMMERCE_WEBHOOK_SECRETS', e.WOOCOMMERCE_WEBHOOK_SECRETS, normaliseSiteUrl);
  const problems = [shopify, woocommerce].flatMap((parsed) => parsed.filter((item): item is string => typeof item === 'string'));
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    region: e.REGION,
    port: e.PORT ?? e.HTTP_PORT,
    databaseUrl: e.DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    schema: e.DB_SCHEMA,
    poolSize: e.DB_POOL_SIZE,
    secrets: { shopify: e.SHOPIFY_WEBHOOK_SECRET, woocommerce: e.WOOCOMMERCE_WEBHOOK_SECRET, stripe: e.STRIPE_WEBHOOK_SECRET },
    webhookSources: { shopify: shopify as WebhookSource[], woocommerce: woocommerce as WebhookSource[] },
    triggeredAtWindowSeconds: e.SHOPIFY_TRIGGERED_AT_WINDOW_SECONDS,
    stripeToleranceSeconds: e.STRIPE_TOLERANCE_SECONDS,
    defaultLocationId: e.DEFAULT_LOCATION_ID,
    limits: {
      webhookBody: e.WEBHOOK_BODY_LIMIT,
      posBody: e.POS_BODY_LIMIT,
      posBatchBody: e.POS_BATCH_BODY_LIMIT,
      posBatchItems: e.POS_BATCH_MAX_ITEMS,
      posRatePerSecond: e.POS_RATE_LIMIT_PER_SECOND,
    },
    posKeyCacheMs: e.POS_KEY_CACHE_MS,
    posAuthFailuresPerMinute: e.POS_AUTH_FAILURES_PER_MINUTE,
    retention: {
      days: {
        ingest_requests: e.RETENTION_INGEST_REQUESTS_DAYS,
        rejections: e.RETENTION_REJECTIONS_DAYS,
        channel_facts: e.RETENTION_FACTS_DAYS,
        fact_conflicts: e.RETENTION_CONFLICTS_DAYS,
      },
      intervalMs: e.RETENTION_INTERVAL_MINUTES * 60_000,
    },
    runRelay: e.RUN_RELAY,
    autoRegisterSchemas: e.AUTO_REGISTER_SCHEMAS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  };
}
