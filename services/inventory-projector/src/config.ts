import { baseServiceEnv, env, loadConfig, z } from '@retail-backbone/observability';
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
});

export interface ProjectorConfig {
  service: string;
  region: string;
  databaseUrl: string;
  kafkaBrokers: string[];
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
  logLevel: string;
  shutdownTimeoutMs: number;
}

export function configFromEnv(source: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const e = loadConfig(projectorEnv, source);
  return {
    service: e.SERVICE_NAME ?? 'inventory-projector',
    region: e.REGION,
    databaseUrl: e.DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
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
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
