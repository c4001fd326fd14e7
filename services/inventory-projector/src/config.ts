import { baseServiceEnv, ConfigError, env, loadConfig, z } from '@retail-backbone/observability';
import { parseAvailabilityAuth, type AvailabilityAuth } from './api/auth';
import { parseLocationPolicies } from './db/policies';
import type { OversellPolicy } from './domain/types';

const projectorEnv = baseServiceEnv.extend({
  /** PORT wins over HTTP_PORT when both are set (platforms commonly inject PORT). */
  PORT: env.port().optional(),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/).default('inventory_projector'),
  CONSUMER_GROUP: z.string().regex(/^[A-Za-z0-9._-]+$/).default('inventory-projector'),
  CONSUMER_CONCURRENCY: env.positiveInt().default(1),
  DEFAULT_OVERSELL_POLICY: z.enum(['reject', 'backorder']).default('reject'),
  LOCATION_OVERSELL_POLICIES: z.string().default(''),
  AVAILABILITY_COALESCE_MS: env.positiveInt().default(1_000),
  SCHEMA_AUTO_REGISTER: env.bool().default(false),
  DB_POOL_SIZE: env.positiveInt().default(10),
  AVAILABILITY_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
  /** tokens (default when AVAILABILITY_API_TOKENS is set) | ingress (mTLS/auth proxy in front) | none (development). */
  AVAILABILITY_API_AUTH: z.string().optional(),
  /** JSON {"<channel>": ["<token>", "<previous token>"]}. */
  AVAILABILITY_API_TOKENS: z.string().optional(),
  AVAILABILITY_RATE_LIMIT_PER_SECOND: env.positiveInt().default(200),
});

export interface ProjectorConfig {
  service: string;
  region: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** A consumer member's session timeout (KAFKA_CONSUMER_SESSION_TIMEOUT_MS; default 30 s). */
  consumerSessionTimeoutMs?: number;
  schemaRegistryUrl: string;
  port: number;
  schema: string;
  groupId: string;
  consumerConcurrency: number;
  defaultPolicy: OversellPolicy;
  locationPolicies: Record<string, OversellPolicy>;
  coalesceMs: number;
  autoRegisterSchemas: boolean;
  poolSize: number;
  /** SKUs the API keeps in memory (0: read the database on every request); default 10000. */
  availabilityCacheSize?: number;
  /** Who may call the availability API; default none (development). */
  availabilityAuth?: AvailabilityAuth;
  /** Requests per second per channel token (or per address without tokens); default 1000. */
  availabilityRatePerSecond?: number;
  logLevel: string;
  shutdownTimeoutMs: number;
}

export function configFromEnv(source: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const e = loadConfig(projectorEnv, source);
  const availabilityAuth = parseAvailabilityAuth(e.AVAILABILITY_API_AUTH, e.AVAILABILITY_API_TOKENS);
  if (Array.isArray(availabilityAuth)) throw new ConfigError(availabilityAuth);
  return {
    service: e.SERVICE_NAME ?? 'inventory-projector',
    region: e.REGION,
    databaseUrl: e.DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    consumerSessionTimeoutMs: e.KAFKA_CONSUMER_SESSION_TIMEOUT_MS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    port: e.PORT ?? e.HTTP_PORT,
    schema: e.DB_SCHEMA,
    groupId: e.CONSUMER_GROUP,
    consumerConcurrency: e.CONSUMER_CONCURRENCY,
    defaultPolicy: e.DEFAULT_OVERSELL_POLICY,
    locationPolicies: parseLocationPolicies(e.LOCATION_OVERSELL_POLICIES),
    coalesceMs: e.AVAILABILITY_COALESCE_MS,
    autoRegisterSchemas: e.SCHEMA_AUTO_REGISTER,
    poolSize: e.DB_POOL_SIZE,
    availabilityCacheSize: e.AVAILABILITY_CACHE_SIZE,
    availabilityAuth,
    availabilityRatePerSecond: e.AVAILABILITY_RATE_LIMIT_PER_SECOND,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
