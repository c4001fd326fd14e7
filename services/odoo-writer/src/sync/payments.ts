import type { PaymentCaptured, PaymentRefunded } from '@retail-backbone/contracts';
import type { Many2one } from '@retail-backbone/odoo-client';
import Big from 'big.js';
import type { Pool } from 'pg';
import type { WriterStore } from '../db/store';
import { BusinessError } from '../odoo/failures';
import type { OdooGateway } from '../odoo/gateway';
import { orderReference, returnReference } from '../odoo/references';
import type { FollowUpResult } from './follow-ups';

export type MoneyEvent = { eventType: 'PaymentCaptured'; event: PaymentCaptured } | { eventType: 'PaymentRefunded'; event: PaymentRefunded };

interface MoveRow {
  id: number;
  name: string;
  move_type: 'out_invoice' | 'out_refund';
  ref: string | false;
  invoice_origin: string | false;
  amount_residual: number;
  currency_id: Many2one;
  partner_id: Many2one;
}

/** The deterministic memo of the Odoo payment of a backbone payment or refund: how a retry finds it. */
export function paymentMemo(item: MoneyEvent): string {
  return item.eventType === 'PaymentCaptured' ? `rb-payment:${item.event.paymentId}` : `rb-refund:${item.event.refundId}`;
}

/**
 * Captured payments and refunds written to Odoo as `account.payment`s, many per batch. A payment
 * is registered against the order's posted invoice with Odoo's "Register Payment" wizard, so it
 * is reconciled with it; payments of the full amount due share one wizard (one payment per
 * invoice), a partial one (split tender) gets its own with its amount and memo. A refund is
 * registered against the credit note of its return (or any credit note of the order with
 * something due). With nothing to register against (the channel is not invoiced by the writer, or
 * no credit note) it becomes a posted customer payment waiting to be matched. Amounts are in the
 * payment's currency, which must be the document's. Each payment is found again by its memo, or,
 * for a full payment (the wizard names it after the invoice), by the invoice it settled: an
 * invoice with nothing left to pay is never paid again.
 */
export class Payments {
  private readonly currencies = new Map<string, number>();

  constructor(
    private readonly odoo: OdooGateway,
    private readonly store: WriterStore,
    private readonly pool: Pool,
  ) {}

  async apply(items: MoneyEvent[]): Promise<Array<FollowUpResult | BusinessError>> {
    const orders = await Promise.all(items.map((i) => this.store.order(this.pool, i.event.orderId)));
    const results: Array<FollowUpResult | BusinessError | undefined> = items.map((item, i) =>
      orders[i]?.odoo_order_id ? undefined : new BusinessError('order_not_synced', `the order of ${paymentMemo(item)} is not in Odoo (yet)`),
    );
    const pending = items.map((item, i) => ({ item, i, order: orders[i]! })).filter(({ i }) => results[i] === undefined);
    if (pending.length === 0) return results as Array<FollowUpResult | BusinessError>;
    const result = (p: (typeof pending)[number], paymentId: number): FollowUpResult => ({
      outcome: {
        operation: p.item.eventType === 'PaymentCaptured' ? 'payment' : 'refund',
        erpOrderId: p.order.odoo_order_id!,
        erpOrderName: p.order.odoo_order_name,
        erpPartnerId: p.order.odoo_partner_id,
        erpReference: orderReference(p.item.event.orderId),
        attempts: 1,
      },
      operation: {
        operation: p.item.eventType === 'PaymentCaptured' ? 'payment' : 'refund',
        reference: p.item.eventType === 'PaymentCaptured' ? p.item.event.paymentId : p.item.event.refundId,
        odooResId: paymentId,
      },
    });

    const existing = await this.odoo.searchRead<{ id: number; memo: string | false }>('account.payment', [['memo', 'in', pending.map((p) => paymentMemo(p.item))]], { fields: ['memo'] });
    const names = [...new Set(pending.map((p) => p.order.odoo_order_name).filter((n): n is string => !!n))];
    const moves = await this.odoo.searchRead<MoveRow>(
      'account.move',
      [['move_type', 'in', ['out_invoice', 'out_refund']], ['state', '=', 'posted'], ['invoice_origin', 'in', names]],
      { fields: ['name', 'move_type', 'ref', 'invoice_origin', 'amount_residual', 'currency_id', 'partner_id'], order: 'id asc' },
    );

    const full: Array<{ p: (typeof pending)[number]; move: MoveRow }> = [];
    const single: Array<{ p: (typeof pending)[number]; move: MoveRow; amount: number }> = [];
    const unmatched: Array<(typeof pending)[number]> = [];
    // settled already: a full payment of an earlier attempt (registered without our memo), or one a
    // person registered in Odoo; either way it is not paid twice
    const settled: Array<{ p: (typeof pending)[number]; move: MoveRow }> = [];
    for (const p of pending) {
      const found = existing.find((e) => e.memo === paymentMemo(p.item));
      if (found) {
        results[p.i] = result(p, found.id);
        continue;
      }
      const move = this.documentOf(p.item, p.order.odoo_order_name, moves);
      const amount = new Big(p.item.event.amount.amount);
      if (move && move.currency_id && move.currency_id[1] !== p.item.event.amount.currency) {
        results[p.i] = new BusinessError('currency_unmapped', `${paymentMemo(p.item)} is in ${p.item.event.amount.currency}, ${move.name} in ${move.currency_id[1]}`);
      } else if (move && move.amount_residual <= 0) {
        settled.push({ p, move });
      } else if (!move) {
        unmatched.push(p);
      } else if (amount.eq(move.amount_residual) && !full.some((f) => f.move.id === move.id)) {
        full.push({ p, move });
      } else {
        single.push({ p, move, amount: Number(amount) });
      }
    }

    if (settled.length > 0) {
      const paid = await this.odoo.searchRead<{ id: number; reconciled_invoice_ids: number[] }>('account.payment', [['reconciled_invoice_ids', 'in', settled.map((x) => x.move.id)]], {
        fields: ['reconciled_invoice_ids'],
        order: 'id asc',
      });
      for (const { p, move } of settled) {
        const payment = paid.find((x) => x.reconciled_invoice_ids.includes(move.id));
        results[p.i] = payment ? result(p, payment.id) : new BusinessError('validation_error', `${move.name} has nothing left to pay and no payment reconciled with it`);
      }
    }
    if (full.length > 0) {
      // several at once are named after their invoices by Odoo; a retry finds them by the invoice
      const ids = await this.register(
        full.map((f) => f.move.id),
        full.length === 1 ? { communication: paymentMemo(full[0]!.p.item) } : {},
      );
      full.forEach((f, i) => (results[f.p.i] = ids[i] !== undefined ? result(f.p, ids[i]!) : new BusinessError('validation_error', `no payment registered for ${f.move.name}`)));
    }
    for (const s of single) {
      const [id] = await this.register([s.move.id], { amount: s.amount, communication: paymentMemo(s.p.item) });
      results[s.p.i] = result(s.p, id!);
    }
    for (const p of unmatched.filter((u) => u.item.eventType === 'PaymentRefunded')) {
      // a refund without a return (Shopify's refund of an unfulfilled order): its own credit note
      const note = await this.creditNote(p.item, p.order, moves);
      const [id] = await this.register([note], { amount: Number(p.item.event.amount.amount), communication: paymentMemo(p.item) });
      results[p.i] = result(p, id!);
    }
    for (const p of unmatched.filter((u) => u.item.eventType === 'PaymentCaptured')) {
      const currency = await this.currencyId(p.item.event.amount.currency);
      const [id] = await this.odoo.create('account.payment', [
        {
          payment_type: p.item.eventType === 'PaymentCaptured' ? 'inbound' : 'outbound',
          partner_type: 'customer',
          partner_id: p.order.odoo_partner_id,
          amount: Number(p.item.event.amount.amount),
          currency_id: currency,
          memo: paymentMemo(p.item),
        },
      ]);
      await this.odoo.callMethod('account.payment', 'action_post', [id!]);
      results[p.i] = result(p, id!);
    }
    return results as Array<FollowUpResult | BusinessError>;
  }

  /**
   * The posted credit note of a refund that has no return: one line for the refunded amount, found
   * again by its ref (the refund's memo) when an earlier attempt made it.
   */
  private async creditNote(item: MoneyEvent, order: { odoo_order_name: string | null; odoo_partner_id: number | null }, known: MoveRow[]): Promise<number> {
    const ref = paymentMemo(item);
    const [existing] = known.some((m) => m.ref === ref)
      ? [{ id: known.find((m) => m.ref === ref)!.id, state: 'posted' }]
      : await this.odoo.searchRead<{ id: number; state: string }>('account.move', [['move_type', '=', 'out_refund'], ['ref', '=', ref]], { fields: ['state'], order: 'id asc', limit: 1 });
    let id = existing?.id;
    if (id === undefined) {
      [id] = await this.odoo.create('account.move', [
        {
          move_type: 'out_refund',
          partner_id: order.odoo_partner_id,
          currency_id: await this.currencyId(item.event.amount.currency),
          ref,
          invoice_origin: order.odoo_order_name,
          invoice_line_ids: [[0, 0, { name: `Refund ${item.event.provider} ${(item.event as PaymentRefunded).providerRefundId}`, quantity: 1, price_unit: Number(item.event.amount.amount), tax_ids: [[6, 0, []]] }]],
        },
      ]);
    }
    if (existing?.state !== 'posted') await this.odoo.callMethod('account.move', 'action_post', [id!]);
    return id!;
  }

  /** The invoice a payment settles, or the credit note a refund settles (its return's first). */
  private documentOf(item: MoneyEvent, orderName: string | null, moves: MoveRow[]): MoveRow | undefined {
    const ofOrder = moves.filter((m) => m.invoice_origin === orderName);
    if (item.eventType === 'PaymentCaptured') return ofOrder.find((m) => m.move_type === 'out_invoice' && m.amount_residual > 0) ?? ofOrder.find((m) => m.move_type === 'out_invoice');
    const credit = ofOrder.filter((m) => m.move_type === 'out_refund' && m.amount_residual > 0);
    const own = ofOrder.find((m) => m.move_type === 'out_refund' && m.ref === paymentMemo(item));
    if (own) return own;
    return (item.event.returnId ? credit.find((m) => m.ref === returnReference(item.event.returnId!)) : undefined) ?? credit[0];
  }

  /** Odoo's Register Payment on posted moves; the created payments' ids, one per move in order. */
  private async register(moveIds: number[], vals: { amount?: number; communication?: string }): Promise<number[]> {
    const context = { active_model: 'account.move', active_ids: moveIds };
    const [wizard] = await this.odoo.create('account.payment.register', [vals], { context });
    const action = await this.odoo.callMethod<{ domain?: Array<[string, string, number[]]> }>('account.payment.register', 'action_create_payments', [wizard!], { context });
    return action?.domain?.find((d) => d[0] === 'id')?.[2] ?? [];
  }

  private async currencyId(code: string): Promise<number> {
    const known = this.currencies.get(code);
    if (known !== undefined) return known;
    const [row] = await this.odoo.searchRead<{ id: number }>('res.currency', [['name', '=', code]], { fields: ['name'] });
    if (!row) throw new BusinessError('currency_unmapped', `no active res.currency ${code} in Odoo`);
    this.currencies.set(code, row.id);
    return row.id;
  }
}
