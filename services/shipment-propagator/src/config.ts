import { baseServiceEnv, baseServiceSettings, env, loadConfig, z, type BaseServiceSettings } from '@retail-backbone/observability';
import type { CustomerHookSettings } from './channels/customer-hook';
import type { PosSettings } from './channels/pos';
import type { ShopifySettings } from './channels/shopify';
import type { WooCommerceSettings } from './channels/woocommerce';
import { DEFAULT_SCHEMA } from './db/migrate';

export interface TargetTuning {
  concurrency: number;
  /** Calls started per second towards this target (undefined: unlimited). */
  ratePerSecond?: number;
}

/** The base settings (baseServiceSettings) with what tests may leave out, and the service's own. */
export interface PropagatorConfig extends Omit<BaseServiceSettings, 'port' | 'consumerSessionTimeoutMs'> {
  serviceName: string;
  /** HTTP port for /healthz, /readyz and /metrics; undefined serves nothing (tests). */
  port?: number;
  schema: string;
  /** A consumer member's session timeout (KAFKA_CONSUMER_SESSION_TIMEOUT_MS); kafkajs' 30 s when unset (tests). */
  consumerSessionTimeoutMs?: number;
  groupId: string;
  ordersTopic: string;
  shipmentsTopic: string;
  /** A target left unconfigured is not called: its shipments end as failed ShipmentPropagated. */
  shopify?: Omit<ShopifySettings, 'timeoutMs'>;
  woocommerce?: Omit<WooCommerceSettings, 'timeoutMs'>;
  pos?: Omit<PosSettings, 'timeoutMs'>;
  customerHook?: Omit<CustomerHookSettings, 'timeoutMs'>;
  tuning: Record<'shopify' | 'woocommerce' | 'pos' | 'customer-hook', TargetTuning>;
  /** One HTTP call's time limit. */
  channelTimeoutMs: number;
  /**
   * After an ambiguous failure (timeout, dropped connection) a propagation is looked up only
   * once this has passed: the channels' own request time limit plus a margin.
   */
  ambiguityWindowMs: number;
  /** A refused (4xx) propagation is tried again after this on its own; `retry-parked` makes it due at once. */
  refusedRetryDelayMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  /** Run the outbox relay in this process (default true). */
  relay: boolean;
}

const schema = baseServiceEnv
  .extend({
    /** PORT wins over HTTP_PORT when both are set (platforms commonly inject PORT). */
    PORT: env.port().optional(),
    SERVICE_NAME: z.string().min(1).default('shipment-propagator'),
    DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default(DEFAULT_SCHEMA),
    CONSUMER_GROUP: z.string().min(1).default('shipment-propagator'),
    ORDERS_TOPIC: z.string().min(1).default('retail.orders.v1'),
    SHIPMENTS_TOPIC: z.string().min(1).default('retail.shipments.v1'),
    SHOPIFY_ADMIN_URL: env.url().optional(),
    SHOPIFY_API_VERSION: z.string().regex(/^(\d{4}-\d{2}|unstable)$/).default('2025-10'),
    SHOPIFY_ACCESS_TOKEN: z.string().min(1).optional(),
    SHOPIFY_NOTIFY_CUSTOMER: env.bool().default(false),
    SHOPIFY_CONCURRENCY: env.positiveInt().default(2),
    SHOPIFY_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().optional(),
    WOOCOMMERCE_URL: env.url().optional(),
    WOOCOMMERCE_CONSUMER_KEY: z.string().min(1).optional(),
    WOOCOMMERCE_CONSUMER_SECRET: z.string().min(1).optional(),
    WOOCOMMERCE_COMPLETED_STATUS: z.string().min(1).default('completed'),
    WOOCOMMERCE_CUSTOMER_NOTE: env.bool().default(false),
    WOOCOMMERCE_CONCURRENCY: env.positiveInt().default(2),
    WOOCOMMERCE_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().optional(),
    POS_NOTIFY_URL: env.url().optional(),
    POS_NOTIFY_TOKEN: z.string().min(1).optional(),
    POS_CONCURRENCY: env.positiveInt().default(2),
    CUSTOMER_HOOK_URL: env.url().optional(),
    CUSTOMER_HOOK_SECRET: z.string().min(1).optional(),
    CUSTOMER_HOOK_CONCURRENCY: env.positiveInt().default(4),
    CHANNEL_TIMEOUT_MS: env.positiveInt().default(15_000),
    CHANNEL_AMBIGUITY_WINDOW_MS: env.positiveInt().default(60_000),
    REFUSED_RETRY_DELAY_MS: env.positiveInt().default(6 * 3_600_000),
    BREAKER_THRESHOLD: env.positiveInt().default(5),
    BREAKER_HALF_OPEN_MS: env.positiveInt().default(5_000),
  })
  .refine((c) => !c.SHOPIFY_ADMIN_URL || c.SHOPIFY_ACCESS_TOKEN, { message: 'SHOPIFY_ACCESS_TOKEN is required with SHOPIFY_ADMIN_URL', path: ['SHOPIFY_ACCESS_TOKEN'] })
  .refine((c) => !c.WOOCOMMERCE_URL || (c.WOOCOMMERCE_CONSUMER_KEY && c.WOOCOMMERCE_CONSUMER_SECRET), {
    message: 'WOOCOMMERCE_CONSUMER_KEY and WOOCOMMERCE_CONSUMER_SECRET are required with WOOCOMMERCE_URL',
    path: ['WOOCOMMERCE_CONSUMER_KEY'],
  })
  .refine((c) => !c.POS_NOTIFY_URL || c.POS_NOTIFY_TOKEN, { message: 'POS_NOTIFY_TOKEN is required with POS_NOTIFY_URL', path: ['POS_NOTIFY_TOKEN'] })
  .refine((c) => !c.CUSTOMER_HOOK_URL || c.CUSTOMER_HOOK_SECRET, { message: 'CUSTOMER_HOOK_SECRET is required with CUSTOMER_HOOK_URL', path: ['CUSTOMER_HOOK_SECRET'] })
  .refine((c) => c.CHANNEL_AMBIGUITY_WINDOW_MS > c.CHANNEL_TIMEOUT_MS, { message: 'CHANNEL_AMBIGUITY_WINDOW_MS must exceed CHANNEL_TIMEOUT_MS', path: ['CHANNEL_AMBIGUITY_WINDOW_MS'] });

/** Reads and validates the environment; every problem is reported at once (ConfigError). */
export function configFromEnv(source: NodeJS.ProcessEnv = process.env): PropagatorConfig {
  const c = loadConfig(schema as unknown as z.ZodObject, source) as z.infer<typeof schema>;
  return {
    serviceName: c.SERVICE_NAME,
    ...baseServiceSettings(c),
    schema: c.DB_SCHEMA,
    groupId: c.CONSUMER_GROUP,
    ordersTopic: c.ORDERS_TOPIC,
    shipmentsTopic: c.SHIPMENTS_TOPIC,
    shopify: c.SHOPIFY_ADMIN_URL
      ? { adminUrl: c.SHOPIFY_ADMIN_URL, apiVersion: c.SHOPIFY_API_VERSION, accessToken: c.SHOPIFY_ACCESS_TOKEN!, notifyCustomer: c.SHOPIFY_NOTIFY_CUSTOMER }
      : undefined,
    woocommerce: c.WOOCOMMERCE_URL
      ? { url: c.WOOCOMMERCE_URL, consumerKey: c.WOOCOMMERCE_CONSUMER_KEY!, consumerSecret: c.WOOCOMMERCE_CONSUMER_SECRET!, completedStatus: c.WOOCOMMERCE_COMPLETED_STATUS, customerNote: c.WOOCOMMERCE_CUSTOMER_NOTE }
      : undefined,
    pos: c.POS_NOTIFY_URL ? { url: c.POS_NOTIFY_URL, token: c.POS_NOTIFY_TOKEN! } : undefined,
    customerHook: c.CUSTOMER_HOOK_URL ? { url: c.CUSTOMER_HOOK_URL, secret: c.CUSTOMER_HOOK_SECRET! } : undefined,
    tuning: {
      shopify: { concurrency: c.SHOPIFY_CONCURRENCY, ratePerSecond: c.SHOPIFY_RATE_LIMIT_PER_SECOND },
      woocommerce: { concurrency: c.WOOCOMMERCE_CONCURRENCY, ratePerSecond: c.WOOCOMMERCE_RATE_LIMIT_PER_SECOND },
      pos: { concurrency: c.POS_CONCURRENCY },
      'customer-hook': { concurrency: c.CUSTOMER_HOOK_CONCURRENCY },
    },
    channelTimeoutMs: c.CHANNEL_TIMEOUT_MS,
    ambiguityWindowMs: c.CHANNEL_AMBIGUITY_WINDOW_MS,
    refusedRetryDelayMs: c.REFUSED_RETRY_DELAY_MS,
    breakerThreshold: c.BREAKER_THRESHOLD,
    breakerHalfOpenMs: c.BREAKER_HALF_OPEN_MS,
    relay: true,
  };
}
