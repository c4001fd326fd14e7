import { ConfigError, env, loadConfig, z } from '@retail-backbone/observability';

/**
 * Everything the console reads from the environment. The service schemas and Kafka are the same
 * ones the services use; Odoo is optional (without it the timeline shows what the writer recorded).
 */
const consoleEnv = z
  .object({
    DATABASE_URL: env.url(),
    KAFKA_BROKERS: env.list(),
    SCHEMA_REGISTRY_URL: env.url().optional(),
    REGION: z.string().min(1).default('local'),
    LOG_LEVEL: env.logLevel().default('info'),
    ODOO_URL: env.url().optional(),
    ODOO_DATABASE: z.string().min(1).optional(),
    ODOO_API_KEY: z.string().min(1).optional(),
    ODOO_LOGIN: z.string().min(1).optional(),
    ODOO_PROTOCOL: z.enum(['json2', 'jsonrpc']).default('json2'),
    /** Static bearer token (local development, break-glass). */
    OPS_API_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
    /** OIDC: tokens are JWTs from this issuer for this audience, keys from its JWKS. */
    OPS_OIDC_ISSUER: env.url().optional(),
    OPS_OIDC_AUDIENCE: z.string().min(1).optional(),
    /** Default: the issuer's discovery document's jwks_uri. */
    OPS_OIDC_JWKS_URL: env.url().optional(),
    /** Link template for trace ids, `{traceId}` replaced (e.g. a Jaeger or Tempo UI). */
    OPS_TRACE_URL_TEMPLATE: z.string().includes('{traceId}').optional(),
    OPS_CONSOLE_PORT: env.port().default(8090),
    OPS_CONSOLE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('ops_console'),
  });

export interface OdooSettings {
  url: string;
  database: string;
  apiKey: string;
  login?: string;
  protocol: 'json2' | 'jsonrpc';
}

export interface AuthSettings {
  token?: string;
  oidc?: { issuer: string; audience: string; jwksUrl?: string };
}

export interface ConsoleConfig {
  databaseUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl?: string;
  region: string;
  logLevel: string;
  odoo?: OdooSettings;
  auth: AuthSettings;
  traceUrlTemplate?: string;
  port: number;
  /** The console's own schema: audit log and its outbox. */
  schema: string;
}

/**
 * The API refuses to start without a way to authenticate; the `where` CLI (which reads the same
 * sources with the operator's own database access) passes requireAuth: false.
 */
export function configFromEnv(source: NodeJS.ProcessEnv = process.env, options: { requireAuth?: boolean } = {}): ConsoleConfig {
  const v = loadConfig(consoleEnv, source);
  const problems: string[] = [];
  if ((options.requireAuth ?? true) && !v.OPS_API_TOKEN && !v.OPS_OIDC_ISSUER) problems.push('OPS_API_TOKEN: set it, or OPS_OIDC_ISSUER with OPS_OIDC_AUDIENCE');
  if (v.OPS_OIDC_ISSUER && !v.OPS_OIDC_AUDIENCE) problems.push('OPS_OIDC_AUDIENCE: is required with OPS_OIDC_ISSUER');
  if (problems.length > 0) throw new ConfigError(problems);
  const odoo =
    v.ODOO_URL && v.ODOO_DATABASE && v.ODOO_API_KEY
      ? { url: v.ODOO_URL, database: v.ODOO_DATABASE, apiKey: v.ODOO_API_KEY, login: v.ODOO_LOGIN, protocol: v.ODOO_PROTOCOL }
      : undefined;
  return {
    databaseUrl: v.DATABASE_URL,
    kafkaBrokers: v.KAFKA_BROKERS,
    schemaRegistryUrl: v.SCHEMA_REGISTRY_URL,
    region: v.REGION,
    logLevel: v.LOG_LEVEL,
    odoo,
    auth: {
      token: v.OPS_API_TOKEN,
      oidc: v.OPS_OIDC_ISSUER ? { issuer: v.OPS_OIDC_ISSUER, audience: v.OPS_OIDC_AUDIENCE!, jwksUrl: v.OPS_OIDC_JWKS_URL } : undefined,
    },
    traceUrlTemplate: v.OPS_TRACE_URL_TEMPLATE,
    port: v.OPS_CONSOLE_PORT,
    schema: v.OPS_CONSOLE_SCHEMA,
  };
}
