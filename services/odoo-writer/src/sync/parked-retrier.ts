import type { EffectStore } from '@retail-backbone/messaging';
import type { Pool } from 'pg';

export interface ParkedSummary {
  /** Effects Odoo refused for a business reason, waiting for their next (slow) retry. */
  parked: number;
  /** Follow-ups waiting for a placement that is not done yet. */
  waiting: number;
}

/**
 * Odoo writes refused for a business reason (unknown SKU, archived partner, validation error)
 * are effects in state 'failed': the executor retries them on a slow schedule (30 s doubling to
 * 1 h). This makes them due now, for one order or all, e.g. once the product exists.
 */
export class ParkedEffects {
  constructor(
    private readonly pool: Pool,
    private readonly effects: EffectStore,
  ) {}

  /** Makes the refused effects of `orderId` (all orders when absent) due now; returns how many. */
  async retryNow(filter: { orderId?: string } = {}): Promise<number> {
    const failed = await this.effects.list(this.pool, { aggregate: filter.orderId, states: ['failed'], limit: 100_000 });
    let due = 0;
    for (const effect of failed) due += await this.effects.retryNow(this.pool, { key: effect.key });
    return due;
  }

  async summary(orderId?: string): Promise<ParkedSummary> {
    const open = await this.effects.list(this.pool, { aggregate: orderId, states: ['pending', 'failed', 'unknown'], limit: 100_000 });
    let waiting = 0;
    for (const e of open) if (e.waitsFor !== null && (await this.effects.get(this.pool, e.waitsFor))?.state !== 'done') waiting += 1;
    return { parked: open.filter((e) => e.state === 'failed').length, waiting };
  }
}
