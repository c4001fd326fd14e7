import { baseServiceEnv, baseServiceSettings, env, loadConfig, z, type BaseServiceSettings } from '@retail-backbone/observability';
import type { OdooProtocol } from '@retail-backbone/odoo-client';
import { DEFAULT_SCHEMA } from './db/migrate';
import { parseAccounting, type AccountingConfig } from './money/accounting-config';
import type { BackorderPolicy } from './sync/follow-ups';
import type { OversellPath } from './sync/orders';

/** The base settings (baseServiceSettings) with what tests may leave out, and the service's own. */
export interface OdooWriterConfig extends Omit<BaseServiceSettings, 'port' | 'consumerSessionTimeoutMs'> {
  serviceName: string;
  /** HTTP port for /healthz, /readyz and /metrics; undefined serves nothing (tests). */
  port?: number;
  schema: string;
  /** A consumer member's session timeout (KAFKA_CONSUMER_SESSION_TIMEOUT_MS); kafkajs' 30 s when unset (tests). */
  consumerSessionTimeoutMs?: number;
  groupId: string;
  ordersTopic: string;
  shipmentsTopic: string;
  odoo: {
    url: string;
    database: string;
    apiKey: string;
    protocol: OdooProtocol;
    login?: string;
    timeoutMs: number;
    /** Odoo's limit_time_real: after an ambiguous failure a write is looked up only once it (+10 s) has passed. */
    limitTimeRealMs: number;
  };
  rateLimitPerSecond: number;
  concurrency: number;
  /** Partitions handled at once, each with one consumer transaction of up to batchMax messages. */
  partitionConcurrency: number;
  batchWindowMs: number;
  batchMax: number;
  productCacheTtlMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  /** Run the outbox relay in this process (default true). */
  relay: boolean;
  /** Taxes, shipping, discounts, currency and company of orders (`ODOO_ACCOUNTING`); unset: product lines only. */
  accounting?: AccountingConfig;
  /** A partial shipment's remainder: kept in a backorder picking (default) or cancelled. */
  backorders?: BackorderPolicy;
  /** `wait`: place an order only once the inventory projector's verdict is known (default `ignore`). */
  stockVerdict?: 'ignore' | 'wait';
  /** What an order the projector refused becomes: a `quotation` with an activity, or confirmed as a `backorder`. */
  oversellPath?: OversellPath;
  reservationsTopic?: string;
  /** Consumed when the accounting table is set: captured payments and refunds become account.payments. */
  paymentsTopic?: string;
}

const schema = baseServiceEnv
  .extend({
    /** PORT wins over HTTP_PORT when both are set (platforms commonly inject PORT). */
    PORT: env.port().optional(),
    SERVICE_NAME: z.string().min(1).default('odoo-writer'),
    DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default(DEFAULT_SCHEMA),
    CONSUMER_GROUP: z.string().min(1).default('odoo-writer'),
    ORDERS_TOPIC: z.string().min(1).default('retail.orders.v1'),
    SHIPMENTS_TOPIC: z.string().min(1).default('retail.shipments.v1'),
    ODOO_URL: env.url(),
    ODOO_DATABASE: z.string().min(1),
    ODOO_API_KEY: z.string().min(1),
    ODOO_PROTOCOL: z.enum(['json2', 'jsonrpc']).default('json2'),
    ODOO_LOGIN: z.string().min(1).optional(),
    ODOO_TIMEOUT_MS: env.positiveInt().default(30_000),
    ODOO_LIMIT_TIME_REAL_MS: env.positiveInt().default(120_000),
    ODOO_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(10),
    ODOO_CONCURRENCY: env.positiveInt().default(4),
    PARTITION_CONCURRENCY: env.positiveInt().default(12),
    BATCH_WINDOW_MS: z.coerce.number().int().min(0).default(20),
    BATCH_MAX: env.positiveInt().default(50),
    PRODUCT_CACHE_TTL_MS: env.positiveInt().default(300_000),
    BREAKER_THRESHOLD: env.positiveInt().default(5),
    BREAKER_HALF_OPEN_MS: env.positiveInt().default(5_000),
    ODOO_ACCOUNTING: z.string().optional(),
    SHIPMENT_BACKORDERS: z.enum(['create', 'cancel']).default('create'),
    STOCK_VERDICT: z.enum(['ignore', 'wait']).default('ignore'),
    OVERSELL_PATH: z.enum(['quotation', 'backorder']).default('quotation'),
    RESERVATIONS_TOPIC: z.string().min(1).default('retail.inventory-reservations.v1'),
    PAYMENTS_TOPIC: z.string().min(1).default('retail.payments.v1'),
  })
  .refine((c) => c.ODOO_PROTOCOL !== 'jsonrpc' || c.ODOO_LOGIN, { message: 'ODOO_LOGIN is required when ODOO_PROTOCOL=jsonrpc', path: ['ODOO_LOGIN'] });

/** Reads and validates the environment; every problem is reported at once (ConfigError). */
export function configFromEnv(source: NodeJS.ProcessEnv = process.env): OdooWriterConfig {
  const c = loadConfig(schema as unknown as z.ZodObject, source) as z.infer<typeof schema>;
  return {
    serviceName: c.SERVICE_NAME,
    ...baseServiceSettings(c),
    schema: c.DB_SCHEMA,
    groupId: c.CONSUMER_GROUP,
    ordersTopic: c.ORDERS_TOPIC,
    shipmentsTopic: c.SHIPMENTS_TOPIC,
    odoo: { url: c.ODOO_URL, database: c.ODOO_DATABASE, apiKey: c.ODOO_API_KEY, protocol: c.ODOO_PROTOCOL, login: c.ODOO_LOGIN, timeoutMs: c.ODOO_TIMEOUT_MS, limitTimeRealMs: c.ODOO_LIMIT_TIME_REAL_MS },
    rateLimitPerSecond: c.ODOO_RATE_LIMIT_PER_SECOND,
    concurrency: c.ODOO_CONCURRENCY,
    partitionConcurrency: c.PARTITION_CONCURRENCY,
    batchWindowMs: c.BATCH_WINDOW_MS,
    batchMax: c.BATCH_MAX,
    productCacheTtlMs: c.PRODUCT_CACHE_TTL_MS,
    breakerThreshold: c.BREAKER_THRESHOLD,
    breakerHalfOpenMs: c.BREAKER_HALF_OPEN_MS,
    relay: true,
    accounting: parseAccounting(c.ODOO_ACCOUNTING),
    backorders: c.SHIPMENT_BACKORDERS,
    stockVerdict: c.STOCK_VERDICT,
    oversellPath: c.OVERSELL_PATH,
    reservationsTopic: c.RESERVATIONS_TOPIC,
    paymentsTopic: c.PAYMENTS_TOPIC,
  };
}
