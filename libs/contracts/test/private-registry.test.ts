/**
 * Cases that need a registry nobody else writes to: a private dev registry on a fresh database
 * of the run's PostgreSQL (DATABASE_URL from the jest global setup).
 */
import { resolve } from 'node:path';
import { SchemaRegistry as RegistryClient, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { createTestDatabase, startSchemaRegistry, type SchemaRegistry, type TestDatabase } from '@retail-backbone/devstack';
import { EventSerde, SchemaNotRegisteredError, SchemaRegistrationError, getSchema, subjectFor } from '../src';
import { formatProblems, runGate } from '../src/compat/gate';
import { sampleEvent } from '../src/testing';

let database: TestDatabase;
let registry: SchemaRegistry;

beforeAll(async () => {
  database = await createTestDatabase('contracts_registry');
  registry = await startSchemaRegistry({ databaseUrl: database.url });
});

afterAll(async () => {
  await registry?.stop();
  await database?.drop();
});

describe('against a private registry', () => {
  it('encode fails with SchemaNotRegisteredError until registered, unless autoRegister is on', async () => {
    const value = sampleEvent('DiscrepancyResolved');
    await expect(new EventSerde({ registryUrl: registry.url }).encode('retail.reconciliation.v1', 'DiscrepancyResolved', value)).rejects.toThrow(
      SchemaNotRegisteredError,
    );
    const auto = new EventSerde({ registryUrl: registry.url, autoRegister: true });
    const buffer = await auto.encode('retail.reconciliation.v1', 'DiscrepancyResolved', value);
    expect((await new EventSerde({ registryUrl: registry.url }).decode(buffer)).value).toEqual(value);
    const config = await fetch(`${registry.url}/config/${encodeURIComponent(subjectFor('retail.reconciliation.v1', 'DiscrepancyResolved'))}`);
    expect(await config.json()).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
  });

  it('registration refused by the registry is a SchemaRegistrationError; the gate names the field', async () => {
    const subject = subjectFor('retail.orders.v1', 'OrderPlaced');
    const earlier = structuredClone(getSchema('OrderPlaced')) as { fields: Array<Record<string, unknown>> };
    earlier.fields.push({ name: 'legacyCode', type: 'string', doc: 'a field the current schema dropped' });
    await new RegistryClient({ host: registry.url }).register(
      { type: SchemaType.AVRO, schema: JSON.stringify(earlier) },
      { subject, compatibility: COMPATIBILITY.FULL_TRANSITIVE },
    );

    const error = await new EventSerde({ registryUrl: registry.url }).register('retail.orders.v1', 'OrderPlaced').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistrationError);
    expect(error).toMatchObject({ retryable: false, subject });

    const results = await runGate({ repoDir: resolve(__dirname, '../../..'), defaultLevel: 'BACKWARD_TRANSITIVE', registryUrl: registry.url });
    expect(formatProblems(results)).toEqual([
      "OrderPlaced v1: field 'legacyCode' removed without default (forward under FULL_TRANSITIVE, vs registry v1)",
    ]);
  });
});
