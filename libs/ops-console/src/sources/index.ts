import { createKafka } from '@retail-backbone/messaging';
import type { Logger } from '@retail-backbone/observability';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { ConsoleConfig } from '../config';
import { Catalog, createPool } from './database';
import { DeadLetters } from './dead-letters';
import { OdooDocuments } from './odoo';

/** Connections to everything the console reads: the service database, Kafka and Odoo. */
export interface Sources {
  pool: pg.Pool;
  catalog: Catalog;
  kafka: Kafka;
  deadLetters: DeadLetters;
  odoo?: OdooDocuments;
  close(): Promise<void>;
}

export function openSources(config: Pick<ConsoleConfig, 'databaseUrl' | 'kafkaBrokers' | 'odoo'>, logger?: Logger): Sources {
  const pool = createPool(config.databaseUrl);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'ops-console', logger });
  const odoo = config.odoo ? new OdooDocuments(config.odoo) : undefined;
  return {
    pool,
    catalog: new Catalog(pool),
    kafka,
    deadLetters: new DeadLetters(kafka),
    odoo,
    close: async () => {
      await odoo?.close();
      await pool.end();
    },
  };
}

export { Catalog, SCHEMAS, qualified } from './database';
export { DeadLetters, parseDlqTopic, type DeadLetter, type DeadLetterTopic } from './dead-letters';
export { OdooDocuments, type OdooSaleOrder } from './odoo';
