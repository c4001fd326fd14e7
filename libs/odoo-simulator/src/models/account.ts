import { formatDate, round2, type Env, type ModelDef } from '../model';
import { userError } from '../odoo-exceptions';
import * as orm from '../orm';
import { lineAmounts } from './taxes';

const movesLines = (env: Env, moveId: number) => [...env.db.table('account.move.line').values()].filter((l) => l.move_id === moveId);

/** A line's amounts as account.tax computes them (round per line), in the move's currency. */
function lineAmountsOf(env: Env, line: Record<string, unknown>) {
  const move = env.db.get('account.move', line.move_id as number);
  return lineAmounts(env, line.price_unit as number, line.quantity as number, line.discount as number, (line.tax_ids as number[] | undefined) ?? [], (move?.currency_id as number) || 1);
}

const sumMove = (env: Env, moveId: number, key: 'subtotal' | 'tax' | 'total') => round2(movesLines(env, moveId).reduce((s, l) => s + lineAmountsOf(env, l)[key], 0));

const total = (env: Env, moveId: number) => sumMove(env, moveId, 'total');

/** What the posted payments reconciled with the move paid of it. */
const paidOf = (env: Env, moveId: number) =>
  round2([...env.db.table('account.payment').values()].filter((p) => ((p.reconciled_invoice_ids as number[] | undefined) ?? []).includes(moveId)).reduce((s, p) => s + ((p.allocations as Record<string, number> | undefined)?.[String(moveId)] ?? 0), 0));

const residual = (env: Env, row: Record<string, unknown>) => (row.state === 'posted' ? round2(total(env, row.id as number) - paidOf(env, row.id as number)) : total(env, row.id as number));

const SEQUENCE_PREFIX: Record<string, string> = { out_invoice: 'INV', out_refund: 'RINV', in_invoice: 'BILL', in_refund: 'RBILL' };

export const accountMove: ModelDef = {
  name: 'account.move',
  description: 'Journal Entry',
  order: 'date desc, name desc, id desc',
  fields: {
    name: { type: 'char', string: 'Number', default: '/' },
    move_type: {
      type: 'selection',
      string: 'Type',
      selection: ['entry', 'out_invoice', 'out_refund', 'in_invoice', 'in_refund'],
      default: 'entry',
      required: true,
    },
    state: { type: 'selection', string: 'Status', selection: ['draft', 'posted', 'cancel'], default: 'draft' },
    // computed from the payments reconciled with it; 'in_payment' until a bank statement matches
    // the payment (no bank reconciliation here, so never 'paid')
    payment_state: {
      type: 'selection',
      string: 'Payment Status',
      selection: ['not_paid', 'in_payment', 'paid', 'partial', 'reversed', 'invoicing_legacy'],
      compute: (env, row) => {
        if (row.state !== 'posted' || row.move_type === 'entry') return 'not_paid';
        const paid = paidOf(env, row.id);
        if (paid <= 0) return 'not_paid';
        return residual(env, row) <= 0 ? 'in_payment' : 'partial';
      },
    },
    currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency', default: () => 1 },
    partner_id: { type: 'many2one', string: 'Partner', relation: 'res.partner' },
    date: { type: 'date', string: 'Date', default: (env: Env) => formatDate(env.now()) },
    invoice_date: { type: 'date', string: 'Invoice/Bill Date' },
    ref: { type: 'char', string: 'Reference' },
    invoice_origin: { type: 'char', string: 'Origin' },
    reversed_entry_id: { type: 'many2one', string: 'Reversal of', relation: 'account.move' },
    invoice_line_ids: { type: 'one2many', string: 'Invoice lines', relation: 'account.move.line', inverse: 'move_id' },
    amount_untaxed: { type: 'float', string: 'Untaxed Amount', compute: (env, row) => sumMove(env, row.id, 'subtotal') },
    amount_tax: { type: 'float', string: 'Tax', compute: (env, row) => sumMove(env, row.id, 'tax') },
    amount_total: { type: 'float', string: 'Total', compute: (env, row) => total(env, row.id) },
    amount_residual: { type: 'float', string: 'Amount Due', compute: (env, row) => residual(env, row) },
  },
  displayName: (_env, row) => (row.name && row.name !== '/' ? String(row.name) : `Draft (* ${row.id})`),
  beforeUnlink(env, ids) {
    for (const id of ids) {
      if (orm.rowOf(env, 'account.move', id).state === 'posted') {
        throw userError('You cannot delete an entry which has been posted once.');
      }
    }
  },
  methods: {
    action_post: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        for (const id of orm.existing(env, 'account.move', ids)) {
          const move = orm.rowOf(env, 'account.move', id);
          if (move.state !== 'draft') throw userError(`The entry ${String(move.name)} (id ${id}) must be in draft.`);
          const isInvoice = move.move_type !== 'entry';
          if (isInvoice && !move.partner_id) {
            throw userError('The field \'Customer\' is required, please complete it to validate the Customer Credit Note.');
          }
          if (isInvoice && !total(env, id) && ![...env.db.table('account.move.line').values()].some((l) => l.move_id === id)) {
            throw userError('You need to add a line before posting.');
          }
        }
        for (const id of ids) {
          const move = orm.rowOf(env, 'account.move', id);
          const date = (move.invoice_date as string) || formatDate(env.now());
          const prefix = SEQUENCE_PREFIX[move.move_type as string] ?? 'MISC';
          const year = date.slice(0, 4);
          const number = env.db.nextSequence(`account.move.${prefix}.${year}`);
          env.db.update('account.move', id, {
            state: 'posted',
            invoice_date: move.move_type === 'entry' ? move.invoice_date ?? false : date,
            name: `${prefix}/${year}/${String(number).padStart(5, '0')}`,
          });
        }
        return false;
      },
    },
    button_cancel: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        for (const id of orm.existing(env, 'account.move', ids)) {
          if (orm.rowOf(env, 'account.move', id).state !== 'draft') throw userError('Only draft journal entries can be cancelled.');
        }
        for (const id of ids) env.db.update('account.move', id, { state: 'cancel' });
        return true;
      },
    },
  },
};

export const accountMoveLine: ModelDef = {
  name: 'account.move.line',
  description: 'Journal Item',
  fields: {
    move_id: { type: 'many2one', string: 'Journal Entry', relation: 'account.move', required: true, ondelete: 'cascade' },
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product' },
    name: { type: 'char', string: 'Label' },
    quantity: { type: 'float', string: 'Quantity', default: 1 },
    price_unit: { type: 'float', string: 'Unit Price', default: 0 },
    discount: { type: 'float', string: 'Discount (%)', default: 0 },
    sale_line_ids: { type: 'many2many', string: 'Sales Order Lines', relation: 'sale.order.line' },
    tax_ids: { type: 'many2many', string: 'Taxes', relation: 'account.tax' },
    price_subtotal: { type: 'float', string: 'Subtotal', compute: (env, row) => lineAmountsOf(env, row).subtotal },
    price_total: { type: 'float', string: 'Total', compute: (env, row) => lineAmountsOf(env, row).total },
  },
  displayName: (env, row) => String(row.name ?? orm.displayName(env, 'account.move', row.move_id as number)),
  prepareCreate(env, vals) {
    if (typeof vals.product_id === 'number' && env.db.get('product.product', vals.product_id)) {
      vals.name ??= orm.displayName(env, 'product.product', vals.product_id);
    }
  },
};
