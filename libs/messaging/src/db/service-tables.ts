import type { PoolClient } from 'pg';
import { assertSchemaName } from '../schema-name';

/**
 * The base of a service's SQL module: its tables are named qualified with the service's schema
 * (checked once here, since it is interpolated into SQL), and one transaction-scoped advisory lock
 * serialises the work on one aggregate (an order) across handlers, retriers and replicas.
 */
export abstract class ServiceTables {
  readonly schema: string;

  protected constructor(
    schema: string,
    /** Names the service in lock keys, so two services sharing a database never wait on each other. */
    private readonly lockScope: string,
  ) {
    this.schema = assertSchemaName(schema);
  }

  protected t(table: string): string {
    return `"${this.schema}".${table}`;
  }

  /** Held until the transaction ends; a 64-bit hash of service, schema and key. */
  protected async lock(tx: PoolClient, key: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.lockScope}:${this.schema}:${key}`]);
  }
}
