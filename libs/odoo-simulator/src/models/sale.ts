import { formatDatetime, round2, type Env, type ModelDef } from '../model';
import { userError } from '../odoo-exceptions';
import * as orm from '../orm';
import { createDelivery } from './stock';

const lineSubtotal = (row: Record<string, unknown>) =>
  round2((row.product_uom_qty as number) * (row.price_unit as number) * (1 - ((row.discount as number) || 0) / 100));

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
    amount_untaxed: {
      type: 'float',
      string: 'Untaxed Amount',
      compute: (env, row) => round2(orderLines(env, row.id).reduce((s, l) => s + lineSubtotal(l), 0)),
    },
    amount_total: {
      type: 'float',
      string: 'Total',
      compute: (env, row) => round2(orderLines(env, row.id).reduce((s, l) => s + lineSubtotal(l), 0)),
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
        for (const id of ids) {
          env.db.update('sale.order', id, { state: 'cancel' });
          for (const picking of env.db.table('stock.picking').values()) {
            if (picking.sale_id === id && picking.state !== 'done' && picking.state !== 'cancel') {
              env.db.update('stock.picking', picking.id, { state: 'cancel' });
            }
          }
        }
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
    price_subtotal: { type: 'float', string: 'Subtotal', compute: (_env, row) => lineSubtotal(row) },
    price_total: { type: 'float', string: 'Total', compute: (_env, row) => lineSubtotal(row) },
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
        vals.price_unit ??= product.lst_price;
      }
    }
    vals.price_unit ??= 0;
  },
};
