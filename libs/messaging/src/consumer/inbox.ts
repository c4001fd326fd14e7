import type { Pool, PoolClient } from 'pg';

export interface InboxEntry {
  group: string;
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Claims an event for a consumer group inside the handler's transaction. Returns false when the
 * group already applied it (a redelivery or a replay): the caller then skips the handler.
 */
export async function claimInInbox(tx: PoolClient, schema: string, entry: InboxEntry): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO "${schema}".inbox (consumer_group, event_id, topic, kafka_partition, kafka_offset)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [entry.group, entry.eventId, entry.topic, entry.partition, entry.offset],
  );
  return result.rowCount === 1;
}

/**
 * Claims several events in one statement; returns the ids that were new. An id appearing twice in
 * `entries` is returned once: the caller must apply only its first occurrence.
 */
export async function claimManyInInbox(tx: PoolClient, schema: string, entries: InboxEntry[]): Promise<Set<string>> {
  if (entries.length === 0) return new Set();
  const values: unknown[] = [];
  const rows = entries.map((entry, i) => {
    values.push(entry.group, entry.eventId, entry.topic, entry.partition, entry.offset);
    const b = i * 5;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
  });
  const result = await tx.query<{ event_id: string }>(
    `INSERT INTO "${schema}".inbox (consumer_group, event_id, topic, kafka_partition, kafka_offset)
     VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING RETURNING event_id`,
    values,
  );
  return new Set(result.rows.map((row) => row.event_id));
}

/** Forgets events older than the retention; it must outlive the longest redelivery or replay window. */
export async function pruneInbox(pool: Pool, schema: string, retentionMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await pool.query(
      `DELETE FROM "${schema}".inbox WHERE ctid IN (
         SELECT ctid FROM "${schema}".inbox WHERE processed_at < now() - $1::interval LIMIT 5000)`,
      [`${retentionMs} milliseconds`],
    );
    total += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < 5000) return total;
  }
}
