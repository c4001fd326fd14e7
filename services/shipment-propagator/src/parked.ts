import type { EffectCause, EffectStore, EmitEvent } from '@retail-backbone/messaging';
import type { Pool, PoolClient } from 'pg';
import type { PropagatorStore } from './db/store';
import type { ShipmentIntake } from './intake';
import { EFFECT_KINDS } from './propagation';

export interface ParkedSummary {
  /** Shipments refused before any call (unknown order or lines, more than ordered). */
  parkedShipments: number;
  /** Propagations a channel refused (4xx), waiting for their next (slow) retry. */
  refusedPropagations: number;
}

const KINDS = new Set(Object.values(EFFECT_KINDS));

/**
 * What an operator retries after a fix: parked shipments are checked against their order again
 * (in one transaction each, with the ShipmentPropagated that says how it went), and refused
 * propagations are made due now for the running service's executor.
 */
export class ParkedPropagations {
  constructor(
    private readonly pool: Pool,
    private readonly store: PropagatorStore,
    private readonly effects: EffectStore,
    private readonly intake: ShipmentIntake,
    /** Records an event in the outbox of `tx`, caused by and correlated with `cause`. */
    private readonly emitFor: (tx: PoolClient, cause: EffectCause) => (event: EmitEvent) => Promise<void>,
  ) {}

  async retry(filter: { orderId?: string } = {}): Promise<{ accepted: number; stillParked: number; madeDue: number }> {
    let accepted = 0;
    let stillParked = 0;
    for (const parked of await this.store.parked(this.pool, filter.orderId)) {
      const tx = await this.pool.connect();
      try {
        await tx.query('BEGIN');
        await this.store.lockOrder(tx, parked.orderId);
        const current = await this.store.shipment(tx, parked.shipmentKey);
        if (current?.status !== 'parked') {
          await tx.query('ROLLBACK');
          continue;
        }
        const result = await this.intake.recheck(tx, this.emitFor(tx, current.cause), current);
        await tx.query('COMMIT');
        if (result === 'accepted') accepted += 1;
        else stillParked += 1;
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        tx.release();
      }
    }
    let madeDue = 0;
    const refused = await this.effects.list(this.pool, { states: ['failed'], limit: 100_000 });
    for (const e of refused) {
      if (!KINDS.has(e.kind) || (filter.orderId && e.payload.orderId !== filter.orderId)) continue;
      madeDue += await this.effects.retryNow(this.pool, { key: e.key });
    }
    return { accepted, stillParked, madeDue };
  }

  async summary(orderId?: string): Promise<ParkedSummary> {
    const refused = (await this.effects.list(this.pool, { states: ['failed'], limit: 100_000 })).filter((e) => KINDS.has(e.kind) && (!orderId || e.payload.orderId === orderId));
    return { parkedShipments: (await this.store.parked(this.pool, orderId)).length, refusedPropagations: refused.length };
  }
}
