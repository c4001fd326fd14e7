import { formatDate, round2, type Env, type ModelDef } from '../model';
import { userError } from '../odoo-exceptions';
import * as orm from '../orm';

const activeIds = (env: Env, model: string): number[] => (env.context.active_model === model && Array.isArray(env.context.active_ids) ? (env.context.active_ids as number[]) : []);

const invoicesOf = (env: Env, orderId: number) => {
  const lines = new Set([...env.db.table('sale.order.line').values()].filter((l) => l.order_id === orderId).map((l) => l.id));
  const moves = new Set(
    [...env.db.table('account.move.line').values()].filter((l) => ((l.sale_line_ids as number[] | undefined) ?? []).some((id) => lines.has(id))).map((l) => l.move_id as number),
  );
  return [...moves].filter((id) => env.db.get('account.move', id)?.state !== 'cancel');
};

/** sale.order.invoice_ids: the moves whose lines come from its lines. */
export const saleOrderInvoiceIds = { type: 'many2many' as const, string: 'Invoices', relation: 'account.move', compute: (env: Env, row: { id: number }) => invoicesOf(env, row.id) };

/**
 * sale.advance.payment.inv, the "Create invoice" wizard: opened on orders (context active_model
 * sale.order, active_ids); `create_invoices` with the regular method ('delivered') makes one draft
 * customer invoice per order (Odoo's _create_invoices, not grouped) with its lines, prices,
 * discounts and taxes, in the order's currency, `ref` = the customer reference. Ordered quantities
 * are invoiced (products with invoice_policy 'order', Odoo's default); an order invoiced already
 * has no invoiceable line (UserError).
 */
export const saleAdvancePaymentInv: ModelDef = {
  name: 'sale.advance.payment.inv',
  description: 'Sales Advance Payment Invoice',
  fields: {
    advance_payment_method: { type: 'selection', string: 'Create Invoice', selection: ['delivered', 'percentage', 'fixed'], default: 'delivered', required: true },
    sale_order_ids: { type: 'many2many', string: 'Sales Orders', relation: 'sale.order' },
  },
  displayName: (_env, row) => `sale.advance.payment.inv,${row.id}`,
  prepareCreate(env, vals) {
    vals.sale_order_ids ??= activeIds(env, 'sale.order');
  },
  methods: {
    create_invoices: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        const wizard = orm.rowOf(env, 'sale.advance.payment.inv', orm.existing(env, 'sale.advance.payment.inv', ids)[0]!);
        if (wizard.advance_payment_method !== 'delivered') throw userError('Down payments are not modelled by the simulator.');
        const orders = (wizard.sale_order_ids as number[] | undefined) ?? [];
        const invoiceable = orders.filter((id) => orm.rowOf(env, 'sale.order', id).state === 'sale' && invoicesOf(env, id).length === 0);
        if (invoiceable.length === 0) {
          throw userError('There is no invoiceable line. If a product has a control policy based on received quantity, please make sure that a quantity has been received.');
        }
        const created = invoiceable.map((orderId) => {
          const order = orm.rowOf(env, 'sale.order', orderId);
          const lines = [...env.db.table('sale.order.line').values()].filter((l) => l.order_id === orderId);
          const [move] = orm.create(env, 'account.move', [
            {
              move_type: 'out_invoice',
              partner_id: order.partner_invoice_id ?? order.partner_id,
              currency_id: order.currency_id,
              invoice_origin: order.name,
              ref: order.client_order_ref || false,
              invoice_line_ids: lines.map((l) => [
                0,
                0,
                { product_id: l.product_id, name: l.name, quantity: l.product_uom_qty, price_unit: l.price_unit, discount: l.discount, tax_ids: [[6, 0, (l.tax_ids as number[] | undefined) ?? []]], sale_line_ids: [[6, 0, [l.id]]] },
              ]),
            },
          ]);
          return move!;
        });
        return { type: 'ir.actions.act_window', res_model: 'account.move', domain: [['id', 'in', created]], name: 'Invoices' };
      },
    },
  },
};

/** account.payment (18.0+: `memo`, states draft → in_process on post; 17.0 had `ref` and 'posted'). */
export const accountPayment: ModelDef = {
  name: 'account.payment',
  description: 'Payments',
  order: 'date desc, name desc',
  fields: {
    name: { type: 'char', string: 'Number', default: '/' },
    payment_type: { type: 'selection', string: 'Payment Type', selection: ['outbound', 'inbound'], default: 'inbound', required: true },
    partner_type: { type: 'selection', string: 'Partner Type', selection: ['customer', 'supplier'], default: 'customer' },
    partner_id: { type: 'many2one', string: 'Customer/Vendor', relation: 'res.partner' },
    amount: { type: 'float', string: 'Amount', default: 0 },
    currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency', default: () => 1 },
    date: { type: 'date', string: 'Date', default: (env: Env) => formatDate(env.now()) },
    memo: { type: 'char', string: 'Memo' },
    state: { type: 'selection', string: 'Status', selection: ['draft', 'in_process', 'paid', 'canceled', 'rejected'], default: 'draft' },
    reconciled_invoice_ids: { type: 'many2many', string: 'Reconciled Invoices', relation: 'account.move' },
  },
  displayName: (_env, row) => String(row.name),
  methods: {
    action_post: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        for (const id of orm.existing(env, 'account.payment', ids)) postPayment(env, id);
        return false;
      },
    },
  },
};

function postPayment(env: Env, id: number): void {
  const payment = orm.rowOf(env, 'account.payment', id);
  if (payment.state !== 'draft') throw userError('Only a draft payment can be posted.');
  const year = String(payment.date).slice(0, 4);
  const prefix = payment.payment_type === 'inbound' ? 'PBNK1' : 'PBNK1OUT';
  env.db.update('account.payment', id, { state: 'in_process', name: `${prefix}/${year}/${String(env.db.nextSequence(`account.payment.${prefix}.${year}`)).padStart(5, '0')}` });
}

/**
 * account.payment.register, "Register Payment" on invoices (context active_model account.move,
 * active_ids): `action_create_payments` makes one posted payment per invoice (group_payment off),
 * reconciled with it; for a single invoice the wizard's `amount` (default: what is due) and
 * `communication` (default: the invoice number) are used, several invoices are each paid in full.
 * Only posted invoices with something due can be paid.
 */
export const accountPaymentRegister: ModelDef = {
  name: 'account.payment.register',
  description: 'Pay',
  fields: {
    amount: { type: 'float', string: 'Amount' },
    payment_date: { type: 'date', string: 'Payment Date', default: (env: Env) => formatDate(env.now()) },
    communication: { type: 'char', string: 'Memo' },
    line_ids: { type: 'many2many', string: 'Journal items', relation: 'account.move' },
  },
  displayName: (_env, row) => `account.payment.register,${row.id}`,
  prepareCreate(env, vals) {
    const moves = activeIds(env, 'account.move');
    if (moves.length === 0) throw userError("The register payment wizard should only be called on account.move or account.move.line records.");
    for (const id of orm.existing(env, 'account.move', moves)) {
      if (orm.rowOf(env, 'account.move', id).state !== 'posted') throw userError('You can only register payment for posted journal entries.');
    }
    vals.line_ids = moves;
  },
  methods: {
    action_create_payments: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        const wizard = orm.rowOf(env, 'account.payment.register', orm.existing(env, 'account.payment.register', ids)[0]!);
        const moves = (wizard.line_ids as number[] | undefined) ?? [];
        const due = moves.map((id) => ({ id, move: orm.rowOf(env, 'account.move', id), residual: orm.fieldValue(env, 'account.move', orm.rowOf(env, 'account.move', id), 'amount_residual') as number }));
        if (due.every((d) => d.residual <= 0)) throw userError("You can't register a payment because there is nothing left to pay on the selected journal items.");
        const payments: number[] = [];
        for (const { id, move, residual } of due.filter((d) => d.residual > 0)) {
          const amount = due.length === 1 && typeof wizard.amount === 'number' && wizard.amount > 0 ? (wizard.amount as number) : residual;
          const [payment] = orm.create(env, 'account.payment', [
            {
              payment_type: move.move_type === 'out_refund' ? 'outbound' : 'inbound',
              partner_type: 'customer',
              partner_id: move.partner_id,
              amount,
              currency_id: move.currency_id,
              date: wizard.payment_date,
              memo: (due.length === 1 && wizard.communication) || move.name,
              reconciled_invoice_ids: [[6, 0, [id]]],
            },
          ]);
          postPayment(env, payment!);
          env.db.update('account.payment', payment!, { allocations: { [String(id)]: round2(Math.min(amount, residual)) } });
          payments.push(payment!);
        }
        return { type: 'ir.actions.act_window', res_model: 'account.payment', domain: [['id', 'in', payments]], name: 'Payments' };
      },
    },
  },
};
