import { formatDatetime, round2, type Env, type ModelDef } from '../model';
import { pythonError, userError } from '../odoo-exceptions';
import * as orm from '../orm';
import { saleOrderInvoiceIds } from './invoicing';
import { activityScheduleMethod } from './mail';
import { createDelivery } from './stock';
import { lineAmounts } from './taxes';

function amountsOf(env: Env, row: Record<string, unknown>) {
  const order = env.db.get('sale.order', row.order_id as number);
  return lineAmounts(
    env,
    row.price_unit as number,
    row.product_uom_qty as number,
    row.discount as number,
    (row.tax_ids as number[] | undefined) ?? [],
    (order?.currency_id as number) || 1,
  );
}

const sumLines = (env: Env, orderId: number, key: 'subtotal' | 'tax' | 'total') =>
  round2(orderLines(env, orderId).reduce((s, l) => s + amountsOf(env, l)[key], 0));

/** The order's cancel: pickings not done are cancelled with it (Odoo's _action_cancel). */
export function cancelOrders(env: Env, ids: number[]): void {
  for (const id of ids) {
    env.db.update('sale.order', id, { state: 'cancel' });
    for (const picking of env.db.table('stock.picking').values()) {
      if (picking.sale_id === id && picking.state !== 'done' && picking.state !== 'cancel') {
        env.db.update('stock.picking', picking.id, { state: 'cancel' });
        for (const move of env.db.table('stock.move').values()) {
          if (move.picking_id === picking.id && move.state !== 'done') env.db.update('stock.move', move.id, { state: 'cancel' });
        }
      }
    }
  }
}

function orderLines(env: Env, orderId: number) {
  return [...env.db.table('sale.order.line').values()].filter((l) => l.order_id === orderId);
}

export const saleOrder: ModelDef = {
  name: 'sale.order',
  description: 'Sales Order',
  order: 'date_order desc, id desc',
  fields: {
    name: { type: 'char', string: 'Order Reference', required: true, default: 'New' },
    partner_id: { type: 'many2one', string: 'Customer', relation: 'res.partner', required: true },
    partner_invoice_id: { type: 'many2one', string: 'Invoice Address', relation: 'res.partner' },
    partner_shipping_id: { type: 'many2one', string: 'Delivery Address', relation: 'res.partner' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company', required: true, default: () => 1 },
    pricelist_id: { type: 'many2one', string: 'Pricelist', relation: 'product.pricelist' },
    // stored computed (precompute): the pricelist's currency, else the company's
    currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency', ondelete: 'restrict' },
    client_order_ref: { type: 'char', string: 'Customer Reference' },
    origin: { type: 'char', string: 'Source Document' },
    note: { type: 'text', string: 'Terms and conditions' },
    date_order: { type: 'datetime', string: 'Order Date', required: true, default: (env: Env) => formatDatetime(env.now()) },
    state: {
      type: 'selection',
      string: 'Status',
      selection: ['draft', 'sent', 'sale', 'cancel'],
      default: 'draft',
    },
    locked: { type: 'boolean', string: 'Locked', default: false },
    order_line: { type: 'one2many', string: 'Order Lines', relation: 'sale.order.line', inverse: 'order_id' },
    picking_ids: { type: 'one2many', string: 'Transfers', relation: 'stock.picking', inverse: 'sale_id' },
    invoice_ids: saleOrderInvoiceIds,
    amount_untaxed: { type: 'float', string: 'Untaxed Amount', compute: (env, row) => sumLines(env, row.id, 'subtotal') },
    amount_tax: { type: 'float', string: 'Taxes', compute: (env, row) => sumLines(env, row.id, 'tax') },
    amount_total: {
      type: 'float',
      string: 'Total',
      compute: (env, row) => round2(sumLines(env, row.id, 'subtotal') + sumLines(env, row.id, 'tax')),
    },
    delivery_count: {
      type: 'integer',
      string: 'Delivery Orders',
      compute: (env, row) => [...env.db.table('stock.picking').values()].filter((p) => p.sale_id === row.id).length,
    },
  },
  displayName: (_env, row) => String(row.name),
  prepareCreate(env, vals) {
    if (!vals.name || vals.name === 'New') vals.name = `S${String(env.db.nextSequence('sale.order')).padStart(5, '0')}`;
    if (typeof vals.partner_id === 'number') {
      vals.partner_invoice_id ??= vals.partner_id;
      vals.partner_shipping_id ??= vals.partner_id;
    }
    if (vals.currency_id === undefined) {
      const pricelist = typeof vals.pricelist_id === 'number' ? env.db.get('product.pricelist', vals.pricelist_id) : undefined;
      const company = env.db.get('res.company', (vals.company_id as number) || 1);
      vals.currency_id = pricelist?.currency_id ?? company?.currency_id ?? false;
    }
  },
  beforeUnlink(env, ids) {
    for (const id of ids) {
      const state = orm.rowOf(env, 'sale.order', id).state;
      if (state !== 'draft' && state !== 'cancel') {
        throw userError('You can not delete a sent quotation or a confirmed sales order. You must first cancel it.');
      }
    }
  },
  methods: {
    activity_schedule: activityScheduleMethod('sale.order'),
    action_confirm: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        orm.existing(env, 'sale.order', ids);
        for (const id of ids) {
          const state = orm.rowOf(env, 'sale.order', id).state;
          if (state !== 'draft' && state !== 'sent') {
            throw userError('Some orders are not in a state requiring confirmation.');
          }
        }
        for (const id of ids) {
          env.db.update('sale.order', id, { state: 'sale', date_order: formatDatetime(env.now()) });
          createDelivery(env, id);
        }
        return true;
      },
    },
    action_cancel: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        orm.existing(env, 'sale.order', ids);
        for (const id of ids) {
          if (orm.rowOf(env, 'sale.order', id).locked) {
            throw userError('You cannot cancel a locked order. Please unlock it first.');
          }
        }
        // 17.0+: any order past draft gets the sale.order.cancel wizard unless the caller opts out
        const warn = env.context.disable_cancel_warning !== true && ids.some((id) => orm.rowOf(env, 'sale.order', id).state !== 'draft');
        if (warn) {
          if (ids.length !== 1) throw pythonError('ValueError', `Expected singleton: sale.order(${ids.join(', ')},)`);
          return {
            name: `Cancel Sales Order`,
            view_mode: 'form',
            res_model: 'sale.order.cancel',
            view_id: false,
            type: 'ir.actions.act_window',
            context: { default_order_id: ids[0], mark_so_as_canceled: true },
            target: 'new',
          };
        }
        cancelOrders(env, ids);
        return true;
      },
    },
    action_draft: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        for (const id of orm.existing(env, 'sale.order', ids)) {
          if (orm.rowOf(env, 'sale.order', id).state === 'cancel') env.db.update('sale.order', id, { state: 'draft' });
        }
        return true;
      },
    },
  },
};

export const saleOrderLine: ModelDef = {
  name: 'sale.order.line',
  description: 'Sales Order Line',
  order: 'order_id, sequence, id',
  fields: {
    order_id: { type: 'many2one', string: 'Order Reference', relation: 'sale.order', required: true, ondelete: 'cascade' },
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product', ondelete: 'restrict' },
    name: { type: 'text', string: 'Description', required: true },
    product_uom_qty: { type: 'float', string: 'Quantity', default: 1 },
    price_unit: { type: 'float', string: 'Unit Price' },
    discount: { type: 'float', string: 'Discount (%)', default: 0 },
    tax_ids: { type: 'many2many', string: 'Taxes', relation: 'account.tax' },
    currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency', compute: (env, row) => env.db.get('sale.order', row.order_id as number)?.currency_id ?? false },
    price_subtotal: { type: 'float', string: 'Subtotal', compute: (env, row) => amountsOf(env, row).subtotal },
    price_tax: { type: 'float', string: 'Total Tax', compute: (env, row) => amountsOf(env, row).tax },
    price_total: { type: 'float', string: 'Total', compute: (env, row) => amountsOf(env, row).total },
    qty_delivered: {
      type: 'float',
      string: 'Delivery Quantity',
      compute: (env, row) =>
        [...env.db.table('stock.move').values()]
          .filter((m) => m.sale_line_id === row.id && m.state === 'done')
          .reduce((s, m) => s + (m.quantity as number), 0),
    },
  },
  displayName: (env, row) => `${String(env.db.get('sale.order', row.order_id as number)?.name ?? '')} - ${String(row.name)}`,
  prepareCreate(env, vals) {
    if (typeof vals.product_id === 'number') {
      const product = env.db.get('product.product', vals.product_id);
      if (product) {
        vals.name ??= orm.displayName(env, 'product.product', product.id);
        vals.price_unit ??= orm.fieldValue(env, 'product.product', product, 'lst_price');
        // precomputed tax_ids: the product's sales taxes when the caller gives none
        vals.tax_ids ??= orm.fieldValue(env, 'product.product', product, 'taxes_id');
      }
    }
    vals.price_unit ??= 0;
  },
};

/** The cancel wizard (sale.order.cancel): its action_cancel cancels the order. */
export const saleOrderCancel: ModelDef = {
  name: 'sale.order.cancel',
  description: 'Sales Order Cancel',
  fields: {
    order_id: { type: 'many2one', string: 'Sale Order', relation: 'sale.order', required: true, ondelete: 'cascade' },
  },
  displayName: (_env, row) => `sale.order.cancel,${row.id}`,
  prepareCreate(env, vals) {
    vals.order_id ??= env.context.default_order_id;
  },
  methods: {
    action_cancel: {
      api: 'records',
      params: [],
      run(env, ids) {
        const orders = orm.existing(env, 'sale.order.cancel', ids).map((id) => orm.rowOf(env, 'sale.order.cancel', id).order_id as number);
        cancelOrders(env, orders);
        return true;
      },
    },
  },
};
