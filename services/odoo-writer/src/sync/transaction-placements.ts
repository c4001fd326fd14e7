import type { BeforeCommit, EventHandler, HandlerContext } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import type { EventApplier, Placement } from './applier';

interface OpenTransaction {
  transactionId: number;
  placements: Placement[];
}

/**
 * The consumer side of the writer: each message is applied up to its Odoo write by the runner's
 * handler (order lock, parked checks, local state), and the OrderPlaced events of one runner
 * transaction are placed together in its `beforeCommit` hook, so they reach Odoo in one batch (the
 * coalescer also merges the transactions of other partitions, up to BATCH_MAX per call). Results
 * are recorded in the transaction, before COMMIT, as a single placement would be.
 *
 * An event of an order whose placement is still waiting in the same transaction (a cancellation,
 * or the same order published again) first settles the waiting placements, so the order's events
 * reach Odoo in order.
 */
export class TransactionPlacements {
  private readonly open = new WeakMap<PoolClient, OpenTransaction>();

  constructor(private readonly applier: EventApplier) {}

  readonly handler: EventHandler = async (ctx) => {
    const transaction = this.transactionOf(ctx);
    const orderId = String(ctx.event.value.orderId);
    if (transaction.placements.some((p) => p.orderId === orderId)) await this.placeWaiting(transaction);
    const begun = await this.applier.begin(ctx.event.eventType, ctx.event.value, {
      tx: ctx.tx,
      eventId: ctx.event.envelope.eventId,
      emit: ctx.emit,
      logger: ctx.logger,
    });
    if (typeof begun !== 'string') transaction.placements.push(begun);
  };

  readonly beforeCommit: BeforeCommit = async (tx, items) => {
    const transaction = this.open.get(tx);
    this.open.delete(tx);
    if (transaction && transaction.transactionId === items[0]?.transactionId) await this.placeWaiting(transaction);
  };

  private transactionOf(ctx: HandlerContext): OpenTransaction {
    const known = this.open.get(ctx.tx);
    // A client's earlier transaction that was rolled back left its state behind: start afresh.
    if (known?.transactionId === ctx.transactionId) return known;
    const fresh = { transactionId: ctx.transactionId, placements: [] };
    this.open.set(ctx.tx, fresh);
    return fresh;
  }

  /** Places the waiting orders as one submission and records each result; an outage fails the whole transaction. */
  private async placeWaiting(transaction: OpenTransaction): Promise<void> {
    const placements = transaction.placements.splice(0);
    if (placements.length === 0) return;
    const results = await Promise.all(placements.map((p) => p.place()));
    for (const [i, placement] of placements.entries()) await placement.finish(results[i]!);
  }
}
