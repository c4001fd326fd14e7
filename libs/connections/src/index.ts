import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';

/**
 * Connection security for Kafka, the schema registry and PostgreSQL, read from one set of
 * environment variables so every service and tool is configured the same way. Nothing here opens
 * a connection: it only turns variables into the options kafkajs, the registry client and pg take.
 * Secrets never appear in an error message.
 */

export class ConnectionConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid connection settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConnectionConfigError';
  }
}

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export type DatabaseSslMode = 'disable' | 'require' | 'verify-full';

export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: KafkaSasl;
}

/** One member per mechanism so it fits kafkajs' per-mechanism SASL option types. */
export type KafkaSasl =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-256'; username: string; password: string }
  | { mechanism: 'scram-sha-512'; username: string; password: string };

/** A type alias (not an interface) so it fits the registry client's index-signed auth type. */
export type RegistryAuth = {
  username: string;
  password: string;
};

export interface PostgresPoolSecurity {
  connectionString: string;
  /** Absent when DATABASE_SSL_MODE is unset: the connection string alone decides. */
  ssl?: false | ConnectionOptions;
}

export interface ConnectionSettings {
  kafka: KafkaSecurity;
  registryAuth?: RegistryAuth;
  databaseSslMode?: DatabaseSslMode;
  databaseSsl?: false | ConnectionOptions;
}

type Env = Record<string, string | undefined>;

const optionalText = z.string().optional().transform((v) => (v === undefined || v === '' ? undefined : v));
/** An empty variable counts as unset (shells and charts often export NAME=''). */
const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const connectionEnv = z.object({
  KAFKA_SASL_MECHANISM: z.preprocess(
    emptyAsUnset,
    z.enum(['scram-sha-256', 'scram-sha-512', 'plain'], { message: "must be one of 'scram-sha-256', 'scram-sha-512', 'plain'" }).optional(),
  ),
  KAFKA_SASL_USERNAME: optionalText,
  KAFKA_SASL_PASSWORD: optionalText,
  KAFKA_TLS: z.preprocess(emptyAsUnset, z.enum(['true', 'false'], { message: "must be 'true' or 'false'" }).optional()),
  KAFKA_TLS_CA_FILE: optionalText,
  SCHEMA_REGISTRY_USERNAME: optionalText,
  SCHEMA_REGISTRY_PASSWORD: optionalText,
  DATABASE_SSL_MODE: z.preprocess(
    emptyAsUnset,
    z.enum(['disable', 'require', 'verify-full'], { message: "must be one of 'disable', 'require', 'verify-full'" }).optional(),
  ),
  DATABASE_SSL_CA_FILE: optionalText,
});

function readCertificate(variable: string, file: string, problems: string[]): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`${variable}: cannot read '${file}' (${code})`);
    return undefined;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    problems.push(`${variable}: '${file}' holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' line)`);
    return undefined;
  }
  return text;
}

/** Reads and checks every connection-security variable; all problems are reported in one error. */
export function connectionSettingsFromEnv(source: Env = process.env): ConnectionSettings {
  const parsed = connectionEnv.safeParse(source);
  if (!parsed.success) {
    throw new ConnectionConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];

  const kafka: KafkaSecurity = {};
  const tls = e.KAFKA_TLS === 'true';
  if (e.KAFKA_TLS_CA_FILE && !tls) problems.push('KAFKA_TLS_CA_FILE: is set but KAFKA_TLS is not true');
  if (tls) {
    const ca = e.KAFKA_TLS_CA_FILE ? readCertificate('KAFKA_TLS_CA_FILE', e.KAFKA_TLS_CA_FILE, problems) : undefined;
    kafka.ssl = ca ? { ca: [ca], rejectUnauthorized: true } : { rejectUnauthorized: true };
  }
  if (e.KAFKA_SASL_MECHANISM) {
    if (!e.KAFKA_SASL_USERNAME) problems.push(`KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`);
    if (!e.KAFKA_SASL_PASSWORD) problems.push(`KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`);
    // PLAIN hands the password itself to whoever is listening; SCRAM does not.
    if (e.KAFKA_SASL_MECHANISM === 'plain' && !tls) problems.push('KAFKA_SASL_MECHANISM: plain sends the password in clear; set KAFKA_TLS=true or use scram-sha-512');
    if (e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD) {
      kafka.sasl = { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password: e.KAFKA_SASL_PASSWORD };
    }
  } else {
    if (e.KAFKA_SASL_USERNAME) problems.push('KAFKA_SASL_USERNAME: is set but KAFKA_SASL_MECHANISM is not');
    if (e.KAFKA_SASL_PASSWORD) problems.push('KAFKA_SASL_PASSWORD: is set but KAFKA_SASL_MECHANISM is not');
  }

  let registryAuth: RegistryAuth | undefined;
  if (e.SCHEMA_REGISTRY_USERNAME && e.SCHEMA_REGISTRY_PASSWORD) {
    registryAuth = { username: e.SCHEMA_REGISTRY_USERNAME, password: e.SCHEMA_REGISTRY_PASSWORD };
  } else if (e.SCHEMA_REGISTRY_USERNAME) {
    problems.push('SCHEMA_REGISTRY_PASSWORD: is required when SCHEMA_REGISTRY_USERNAME is set');
  } else if (e.SCHEMA_REGISTRY_PASSWORD) {
    problems.push('SCHEMA_REGISTRY_USERNAME: is required when SCHEMA_REGISTRY_PASSWORD is set');
  }

  let databaseSsl: false | ConnectionOptions | undefined;
  const mode = e.DATABASE_SSL_MODE;
  if (e.DATABASE_SSL_CA_FILE && mode !== 'verify-full') {
    problems.push(`DATABASE_SSL_CA_FILE: is only used with DATABASE_SSL_MODE=verify-full (it is ${mode ?? 'unset'})`);
  }
  if (mode === 'disable') databaseSsl = false;
  // 'require' encrypts without checking the server's certificate, as libpq's sslmode=require does.
  if (mode === 'require') databaseSsl = { rejectUnauthorized: false };
  if (mode === 'verify-full') {
    const ca = e.DATABASE_SSL_CA_FILE ? readCertificate('DATABASE_SSL_CA_FILE', e.DATABASE_SSL_CA_FILE, problems) : undefined;
    databaseSsl = ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: true };
  }

  if (problems.length > 0) throw new ConnectionConfigError(problems);
  return { kafka, registryAuth, databaseSslMode: mode, databaseSsl };
}

/** kafkajs `ssl` and `sasl` options from KAFKA_TLS*, KAFKA_SASL_*. */
export function kafkaSecurityFromEnv(source: Env = process.env): KafkaSecurity {
  return connectionSettingsFromEnv(source).kafka;
}

/** Registry basic auth from SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD, if set. */
export function registryAuthFromEnv(source: Env = process.env): RegistryAuth | undefined {
  return connectionSettingsFromEnv(source).registryAuth;
}

/**
 * pg Pool/Client options for a connection string with DATABASE_SSL_MODE applied. pg lets an
 * `sslmode` in the URL override the `ssl` option, so both at once is refused rather than letting
 * one silently win.
 */
export function postgresConnection(connectionString: string, source: Env = process.env): PostgresPoolSecurity {
  const settings = connectionSettingsFromEnv(source);
  if (settings.databaseSslMode === undefined) return { connectionString };
  if (/[?&](sslmode|ssl)=/i.test(connectionString)) {
    throw new ConnectionConfigError([
      'DATABASE_SSL_MODE: the database URL also carries sslmode/ssl; keep one of the two',
    ]);
  }
  return { connectionString, ssl: settings.databaseSsl };
}
