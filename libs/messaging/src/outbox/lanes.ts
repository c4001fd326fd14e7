import type { Pool } from 'pg';

/** Fixed by the migration's generated `lane` column. */
export const OUTBOX_LANES = 64;

export interface LaneLeaseOptions {
  pool: Pool;
  schema: string;
  relayId: string;
  leaseMs: number;
  /** Upper bound on lanes held by this instance (default: all). */
  maxLanes?: number;
}

/** Lanes this instance may take so that `live` instances share them evenly. */
export function fairShare(live: number, maxLanes = OUTBOX_LANES): number {
  return Math.min(maxLanes, Math.ceil(OUTBOX_LANES / Math.max(1, live)));
}

/**
 * Exclusive lanes for one relay instance. A lane (hash of the key mod 64) is published by one
 * instance at a time, which keeps every key's events in order across instances. Leases expire so
 * a crashed instance's lanes are taken over; live instances rebalance to a fair share.
 */
export class LaneLeases {
  private owned: number[] = [];
  private validUntil = 0;

  constructor(private readonly options: LaneLeaseOptions) {}

  /** Lanes this instance may publish right now (empty once the local lease view has expired). */
  lanes(): number[] {
    return Date.now() < this.validUntil ? this.owned : [];
  }

  /** Epoch ms until which this instance may publish its lanes (0 when it holds none). */
  validUntilMs(): number {
    return this.owned.length > 0 ? this.validUntil : 0;
  }

  /** Heartbeat, renew, then shed or take lanes towards the fair share. */
  async maintain(): Promise<number[]> {
    const { pool, schema, relayId, leaseMs } = this.options;
    const started = Date.now();
    const lease = `${leaseMs} milliseconds`;
    await pool.query(
      `INSERT INTO "${schema}".outbox_relays (relay_id, seen_at) VALUES ($1, now())
       ON CONFLICT (relay_id) DO UPDATE SET seen_at = now()`,
      [relayId],
    );
    const live = await pool.query<{ live: number }>(
      `WITH gone AS (DELETE FROM "${schema}".outbox_relays WHERE seen_at < now() - $1::interval)
       SELECT count(*)::int AS live FROM "${schema}".outbox_relays WHERE seen_at >= now() - $1::interval`,
      [lease],
    );
    const target = fairShare(live.rows[0]?.live ?? 1, this.options.maxLanes);
    const renewed = await pool.query<{ lane: number }>(
      `UPDATE "${schema}".outbox_lanes SET leased_until = now() + $2::interval
       WHERE owner = $1 RETURNING lane`,
      [relayId, lease],
    );
    let owned = renewed.rows.map((row) => row.lane).sort((a, b) => a - b);
    if (owned.length > target) {
      const surplus = owned.slice(target);
      await pool.query(
        `UPDATE "${schema}".outbox_lanes SET owner = NULL, leased_until = '-infinity'
         WHERE owner = $1 AND lane = ANY($2::smallint[])`,
        [relayId, surplus],
      );
      owned = owned.slice(0, target);
    } else if (owned.length < target) {
      const taken = await pool.query<{ lane: number }>(
        `UPDATE "${schema}".outbox_lanes SET owner = $1, leased_until = now() + $2::interval
         WHERE lane IN (
           SELECT lane FROM "${schema}".outbox_lanes
           WHERE leased_until < now() ORDER BY lane LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING lane`,
        [relayId, lease, target - owned.length],
      );
      owned = [...owned, ...taken.rows.map((row) => row.lane)].sort((a, b) => a - b);
    }
    this.owned = owned;
    // Counted from before the round trips, and with a margin, so a slow clock or a long pause
    // makes this instance stop publishing before another one may take over.
    this.validUntil = started + leaseMs * 0.8;
    return owned;
  }

  /** Gives every lane back at shutdown so other instances take over without waiting. */
  async release(): Promise<void> {
    const { pool, schema, relayId } = this.options;
    this.owned = [];
    this.validUntil = 0;
    await pool.query(`UPDATE "${schema}".outbox_lanes SET owner = NULL, leased_until = '-infinity' WHERE owner = $1`, [relayId]);
    await pool.query(`DELETE FROM "${schema}".outbox_relays WHERE relay_id = $1`, [relayId]);
  }
}
