import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { buildEnvelope, migrateMessaging, migrateSchema, recordEvents } from '@retail-backbone/messaging';
import type pg from 'pg';
import type { Operator } from './api/auth';
import { qualified } from './sources/database';

export const OPERATIONS_TOPIC = 'retail.operations.v1';
export const PRODUCER = 'ops-console';

export interface AuditEntry {
  actionId: string;
  requestedAt: string;
  completedAt: string | null;
  operator: string;
  via: string;
  action: string;
  target: string;
  outcome: 'started' | 'succeeded' | 'failed';
  detail: string | null;
}

/** The console's own tables: the audit log, and the outbox its events leave through. */
export async function migrateConsole(databaseUrl: string, schema: string): Promise<void> {
  await migrateMessaging({ databaseUrl, schema });
  await migrateSchema({ databaseUrl, schema, dir: path.join(__dirname, 'migrations'), migrationsTable: 'ops_console_migrations' });
}

/**
 * Every operator action goes through `perform`: the intent is committed first, the action runs
 * outside any transaction (it may call Kafka or another service's tables), then the outcome and
 * the OperatorActionRecorded event are committed together.
 */
export class AuditLog {
  private readonly table: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly region: string,
  ) {
    this.table = qualified(schema, 'audit_log');
  }

  async perform<T>(operator: Operator, action: string, target: string, run: () => Promise<{ result: T; detail: string }>): Promise<{ entry: AuditEntry; result: T }> {
    const actionId = randomUUID();
    await this.pool.query(`INSERT INTO ${this.table} (action_id, operator, via, action, target) VALUES ($1, $2, $3, $4, $5)`, [actionId, operator.subject, operator.via, action, target]);
    let outcome: { result: T; detail: string };
    try {
      outcome = await run();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      await this.complete(actionId, 'failed', detail.slice(0, 2_000));
      throw error;
    }
    const entry = await this.complete(actionId, 'succeeded', outcome.detail);
    return { entry, result: outcome.result };
  }

  private async complete(actionId: string, outcome: 'succeeded' | 'failed', detail: string): Promise<AuditEntry> {
    const tx = await this.pool.connect();
    try {
      await tx.query('BEGIN');
      const { rows } = await tx.query(
        `UPDATE ${this.table} SET outcome = $2, detail = $3, completed_at = clock_timestamp() WHERE action_id = $1 RETURNING *`,
        [actionId, outcome, detail],
      );
      const entry = toEntry(rows[0]);
      const completedAt = Date.parse(entry.completedAt!);
      await recordEvents(
        tx,
        [
          {
            topic: OPERATIONS_TOPIC,
            key: actionId,
            eventType: 'OperatorActionRecorded',
            value: {
              envelope: buildEnvelope({ eventType: 'OperatorActionRecorded', producer: PRODUCER, region: this.region, correlationId: actionId, occurredAt: completedAt }),
              actionId,
              operator: entry.operator,
              action: entry.action,
              target: entry.target,
              outcome,
              detail,
              requestedAt: Date.parse(entry.requestedAt),
              completedAt,
            },
          },
        ],
        { schema: this.schema },
      );
      await tx.query('COMMIT');
      return entry;
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      tx.release();
    }
  }

  async list(limit = 100): Promise<AuditEntry[]> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.table} ORDER BY requested_at DESC LIMIT $1`, [limit]);
    return rows.map(toEntry);
  }
}

function toEntry(row: Record<string, unknown>): AuditEntry {
  const iso = (v: unknown) => (v ? new Date(v as Date).toISOString() : null);
  return {
    actionId: row.action_id as string,
    requestedAt: iso(row.requested_at)!,
    completedAt: iso(row.completed_at),
    operator: row.operator as string,
    via: row.via as string,
    action: row.action as string,
    target: row.target as string,
    outcome: row.outcome as AuditEntry['outcome'],
    detail: (row.detail as string | null) ?? null,
  };
}
