import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConnectionConfigError,
  connectionSettingsFromEnv,
  kafkaSecurityFromEnv,
  postgresConnection,
  registryAuthFromEnv,
} from '../src';

const dir = mkdtempSync(join(tmpdir(), 'connections-test-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const notPem = join(dir, 'not.pem');
writeFileSync(notPem, 'hello');

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectionConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConnectionConfigError');
}

describe('connection settings from the environment', () => {
  it('adds no security options when no variable is set', () => {
    expect(connectionSettingsFromEnv({})).toEqual({ kafka: {}, registryAuth: undefined, databaseSslMode: undefined, databaseSsl: undefined });
  });

  it('builds SCRAM-SHA-512 over TLS with a CA file', () => {
    const kafka = kafkaSecurityFromEnv({
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'ingest',
      KAFKA_SASL_PASSWORD: 's3cret-pass',
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: caFile,
    });
    expect(kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'ingest', password: 's3cret-pass' });
    expect(kafka.ssl).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')], rejectUnauthorized: true });
  });

  it('allows SCRAM without TLS and TLS without SASL', () => {
    expect(kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual({
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
    });
    expect(kafkaSecurityFromEnv({ KAFKA_TLS: 'true' })).toEqual({ ssl: { rejectUnauthorized: true } });
    expect(kafkaSecurityFromEnv({ KAFKA_TLS: 'false' })).toEqual({});
  });

  it('names each wrong variable, without echoing the password', () => {
    const problems = problemsOf(() => connectionSettingsFromEnv({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_TLS: 'yes', DATABASE_SSL_MODE: 'prefer' }));
    expect(problems).toEqual([
      "KAFKA_SASL_MECHANISM: must be one of 'scram-sha-256', 'scram-sha-512', 'plain'",
      "KAFKA_TLS: must be 'true' or 'false'",
      "DATABASE_SSL_MODE: must be one of 'disable', 'require', 'verify-full'",
    ]);
    const missing = problemsOf(() => kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'topsecret-value' }));
    expect(missing).toEqual(['KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM=scram-sha-512']);
    expect(missing.join(' ')).not.toContain('topsecret-value');
  });

  it('refuses credentials without a mechanism and PLAIN without TLS', () => {
    expect(problemsOf(() => kafkaSecurityFromEnv({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }))).toEqual([
      'KAFKA_SASL_USERNAME: is set but KAFKA_SASL_MECHANISM is not',
      'KAFKA_SASL_PASSWORD: is set but KAFKA_SASL_MECHANISM is not',
    ]);
    expect(problemsOf(() => kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }))).toEqual([
      'KAFKA_SASL_MECHANISM: plain sends the password in clear; set KAFKA_TLS=true or use scram-sha-512',
    ]);
    expect(kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_TLS: 'true' }).sasl?.mechanism).toBe('plain');
  });

  it('refuses a CA file without TLS, a missing file and a file that is not PEM', () => {
    expect(problemsOf(() => kafkaSecurityFromEnv({ KAFKA_TLS_CA_FILE: caFile }))).toEqual(['KAFKA_TLS_CA_FILE: is set but KAFKA_TLS is not true']);
    expect(problemsOf(() => kafkaSecurityFromEnv({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: join(dir, 'absent.pem') }))).toEqual([
      `KAFKA_TLS_CA_FILE: cannot read '${join(dir, 'absent.pem')}' (ENOENT)`,
    ]);
    expect(problemsOf(() => kafkaSecurityFromEnv({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: notPem }))).toEqual([
      `KAFKA_TLS_CA_FILE: '${notPem}' holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' line)`,
    ]);
  });

  it('reads registry basic auth only as a pair', () => {
    expect(registryAuthFromEnv({ SCHEMA_REGISTRY_USERNAME: 'reg', SCHEMA_REGISTRY_PASSWORD: 'pw' })).toEqual({ username: 'reg', password: 'pw' });
    expect(registryAuthFromEnv({})).toBeUndefined();
    expect(problemsOf(() => registryAuthFromEnv({ SCHEMA_REGISTRY_USERNAME: 'reg' }))).toEqual([
      'SCHEMA_REGISTRY_PASSWORD: is required when SCHEMA_REGISTRY_USERNAME is set',
    ]);
    expect(problemsOf(() => registryAuthFromEnv({ SCHEMA_REGISTRY_PASSWORD: 'pw' }))).toEqual([
      'SCHEMA_REGISTRY_USERNAME: is required when SCHEMA_REGISTRY_PASSWORD is set',
    ]);
  });

  it('maps DATABASE_SSL_MODE onto pg ssl options', () => {
    const url = 'postgres://u:p@db.internal:5432/app';
    expect(postgresConnection(url, {})).toEqual({ connectionString: url });
    expect(postgresConnection(url, { DATABASE_SSL_MODE: 'disable' })).toEqual({ connectionString: url, ssl: false });
    expect(postgresConnection(url, { DATABASE_SSL_MODE: 'require' })).toEqual({ connectionString: url, ssl: { rejectUnauthorized: false } });
    expect(postgresConnection(url, { DATABASE_SSL_MODE: 'verify-full' })).toEqual({ connectionString: url, ssl: { rejectUnauthorized: true } });
    expect(postgresConnection(url, { DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_CA_FILE: caFile }).ssl).toEqual({
      ca: expect.stringContaining('BEGIN CERTIFICATE'),
      rejectUnauthorized: true,
    });
  });

  it('refuses a database CA file without verify-full and an sslmode in the URL as well', () => {
    expect(problemsOf(() => postgresConnection('postgres://h/db', { DATABASE_SSL_MODE: 'require', DATABASE_SSL_CA_FILE: caFile }))).toEqual([
      'DATABASE_SSL_CA_FILE: is only used with DATABASE_SSL_MODE=verify-full (it is require)',
    ]);
    expect(problemsOf(() => postgresConnection('postgres://h/db?sslmode=require', { DATABASE_SSL_MODE: 'verify-full' }))).toEqual([
      'DATABASE_SSL_MODE: the database URL also carries sslmode/ssl; keep one of the two',
    ]);
  });
});
