import { startOdooSimulator, type RunningOdooSimulator } from '../src';

/*
 * Behaviour checked against Odoo's own source (odoo/odoo, as stored in the reference index):
 * - addons/product/models/product_product.py, product_template.py (17.0-19.0): _inherits, lst_price
 * - addons/sale/models/sale_order.py (18.0 line, commit 0009881b): currency_id, pricelist_id,
 *   company_id, _rec_names_search = ['name']
 * - addons/sale/models/sale_order_line.py (19.0 line, commit 0056e092): tax_ids, price_subtotal,
 *   price_tax, price_total
 * - addons/stock/models/stock_picking.py (19.0 line, commit 003373e8): button_validate,
 *   _sanity_check, _pre_action_done_hook, _check_backorder, the stock.backorder.confirmation action
 */

let sim: RunningOdooSimulator;
const KEY = 'fidelity-key';

beforeAll(async () => {
  sim = await startOdooSimulator({ apiKeys: [KEY], seedProducts: [{ default_code: 'FID-1', name: 'Fidelity mug', lst_price: 10, qty: 10 }] });
});
afterAll(() => sim.stop());

async function call<T = unknown>(model: string, method: string, body: Record<string, unknown> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.url}/json/2/${model}/${method}`, {
    method: 'POST',
    headers: { authorization: `bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const ok = async <T = unknown>(model: string, method: string, body: Record<string, unknown> = {}): Promise<T> => {
  const res = await call<T>(model, method, body);
  if (res.status !== 200) throw new Error(`${model}.${method}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

describe('product.product _inherits product.template (product_product.py, 17.0-19.0)', () => {
  it('creates a variant from template fields (list_price, type) and makes its template', async () => {
    const id = await ok<number>('product.product', 'create', { vals_list: { name: 'Linen bag', default_code: 'FID-BAG', list_price: 12.5, type: 'consu' } });
    const [product] = await ok<Array<Record<string, unknown>>>('product.product', 'read', { ids: [id], fields: ['name', 'list_price', 'lst_price', 'product_tmpl_id', 'type'] });
    expect(product).toMatchObject({ name: 'Linen bag', list_price: 12.5, lst_price: 12.5, type: 'consu' });
    const [tmplId, tmplName] = product!.product_tmpl_id as [number, string];
    expect(tmplName).toBe('Linen bag');
    const [template] = await ok<Array<Record<string, unknown>>>('product.template', 'read', { ids: [tmplId], fields: ['list_price', 'product_variant_ids'] });
    expect(template).toEqual({ id: tmplId, list_price: 12.5, product_variant_ids: [id] });
  });

  it('searches variants on template fields and writes lst_price through to the template list_price', async () => {
    const found = await ok<Array<{ default_code: string }>>('product.product', 'search_read', { domain: [['list_price', '=', 12.5], ['name', 'ilike', 'linen']], fields: ['default_code'] });
    expect(found.map((p) => p.default_code)).toEqual(['FID-BAG']);
    const [id] = await ok<number[]>('product.product', 'search', { domain: [['default_code', '=', 'FID-BAG']] });
    await ok('product.product', 'write', { ids: [id], vals: { lst_price: 14 } });
    const [row] = await ok<Array<{ list_price: number; lst_price: number }>>('product.product', 'read', { ids: [id], fields: ['list_price', 'lst_price'] });
    expect(row).toMatchObject({ list_price: 14, lst_price: 14 });
  });

  it('refuses a write to a computed field without inverse (qty_available) as builtins.ValueError', async () => {
    const [id] = await ok<number[]>('product.product', 'search', { domain: [['default_code', '=', 'FID-1']] });
    const res = await call<Record<string, unknown>>('product.product', 'write', { ids: [id], vals: { qty_available: 3 } });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ name: 'builtins.ValueError', arguments: [expect.stringContaining('qty_available')] });
    const tax = await call<Record<string, unknown>>('account.tax', 'write', { ids: [1], vals: { price_include: true } });
    expect(tax.body).toMatchObject({ name: 'builtins.ValueError' });
  });
});

describe('sale.order currency, company and amounts (sale_order.py 18.0, sale_order_line.py 19.0)', () => {
  let partner: number;
  let product: number;
  beforeAll(async () => {
    partner = await ok<number>('res.partner', 'create', { vals_list: { name: 'Fidelity customer' } });
    product = (await ok<number[]>('product.product', 'search', { domain: [['default_code', '=', 'FID-1']] }))[0]!;
  });

  it("takes currency_id from the pricelist, else the company's currency", async () => {
    const usd = await ok<number>('product.pricelist', 'create', { vals_list: { name: 'US', currency_id: 2 } });
    const [a, b] = await ok<number[]>('sale.order', 'create', { vals_list: [{ partner_id: partner }, { partner_id: partner, pricelist_id: usd }] });
    const rows = await ok<Array<{ id: number; currency_id: [number, string]; company_id: [number, string] }>>('sale.order', 'read', { ids: [a, b], fields: ['currency_id', 'company_id'] });
    expect(rows.map((r) => r.currency_id[1])).toEqual(['EUR', 'USD']);
    expect(rows[0]!.company_id).toEqual([1, 'My Company']);
  });

  it('computes amount_untaxed/amount_tax/amount_total with an excluded 15% and an included 21% tax and discounts', async () => {
    const id = await ok<number>('sale.order', 'create', {
      vals_list: {
        partner_id: partner,
        order_line: [
          [0, 0, { product_id: product, product_uom_qty: 2, price_unit: 10, discount: 10, tax_ids: [[6, 0, [1]]] }],
          [0, 0, { product_id: product, product_uom_qty: 1, price_unit: 12.1, tax_ids: [[6, 0, [2]]] }],
        ],
      },
    });
    const lines = await ok<Array<Record<string, number>>>('sale.order.line', 'search_read', {
      domain: [['order_id', '=', id]],
      fields: ['price_subtotal', 'price_tax', 'price_total'],
      order: 'id',
    });
    // 2 × 10 − 10% = 18.00 + 15% = 2.70; 12.10 including 21% = 10.00 + 2.10
    expect(lines.map(({ price_subtotal, price_tax, price_total }) => [price_subtotal, price_tax, price_total])).toEqual([
      [18, 2.7, 20.7],
      [10, 2.1, 12.1],
    ]);
    const [order] = await ok<Array<Record<string, number>>>('sale.order', 'read', { ids: [id], fields: ['amount_untaxed', 'amount_tax', 'amount_total'] });
    expect(order).toEqual({ id, amount_untaxed: 28, amount_tax: 4.8, amount_total: 32.8 });
  });

  it('answers action_cancel of a confirmed order with the sale.order.cancel wizard unless disable_cancel_warning', async () => {
    const id = await ok<number>('sale.order', 'create', { vals_list: { partner_id: partner, order_line: [[0, 0, { product_id: product, product_uom_qty: 1 }]] } });
    await ok('sale.order', 'action_confirm', { ids: [id] });
    const action = await ok<Record<string, unknown>>('sale.order', 'action_cancel', { ids: [id] });
    expect(action).toMatchObject({ type: 'ir.actions.act_window', res_model: 'sale.order.cancel', target: 'new', context: { default_order_id: id } });
    expect((await ok<Array<{ state: string }>>('sale.order', 'read', { ids: [id], fields: ['state'] }))[0]!.state).toBe('sale');
    expect(await ok('sale.order', 'action_cancel', { ids: [id], context: { disable_cancel_warning: true } })).toBe(true);
    expect((await ok<Array<{ state: string }>>('sale.order', 'read', { ids: [id], fields: ['state'] }))[0]!.state).toBe('cancel');
  });
});

describe('stock.picking button_validate and the backorder wizard (stock_picking.py 19.0)', () => {
  async function delivery(qty: number): Promise<{ picking: number; move: number }> {
    const partner = await ok<number>('res.partner', 'create', { vals_list: { name: 'Picking customer' } });
    const [product] = await ok<number[]>('product.product', 'search', { domain: [['default_code', '=', 'FID-1']] });
    const order = await ok<number>('sale.order', 'create', { vals_list: { partner_id: partner, order_line: [[0, 0, { product_id: product, product_uom_qty: qty }]] } });
    await ok('sale.order', 'action_confirm', { ids: [order] });
    const [picking] = await ok<number[]>('stock.picking', 'search', { domain: [['sale_id', '=', order]] });
    const [move] = await ok<number[]>('stock.move', 'search', { domain: [['picking_id', '=', picking]] });
    return { picking: picking!, move: move! };
  }
  const state = async (model: string, id: number) => (await ok<Array<Record<string, unknown>>>(model, 'read', { ids: [id], fields: ['state'] }))[0]!.state;

  it('returns the Create Backorder? action for a short quantity; process keeps the rest in a backorder', async () => {
    const { picking, move } = await delivery(3);
    await ok('stock.move', 'write', { ids: [move], vals: { quantity: 2, picked: true } });
    const action = await ok<Record<string, unknown>>('stock.picking', 'button_validate', { ids: [picking] });
    expect(action).toMatchObject({
      name: 'Create Backorder?',
      type: 'ir.actions.act_window',
      res_model: 'stock.backorder.confirmation',
      target: 'new',
      context: { button_validate_picking_ids: [picking], default_pick_ids: [[4, picking]] },
    });
    expect(await state('stock.picking', picking)).not.toBe('done');
    const wizard = await ok<number>('stock.backorder.confirmation', 'create', { vals_list: {}, context: (action as { context: Record<string, unknown> }).context });
    expect(await ok('stock.backorder.confirmation', 'process', { ids: [wizard], context: (action as { context: Record<string, unknown> }).context })).toBe(true);
    expect(await state('stock.picking', picking)).toBe('done');
    const backorders = await ok<Array<{ id: number; state: string }>>('stock.picking', 'search_read', { domain: [['backorder_id', '=', picking]], fields: ['state'] });
    expect(backorders).toHaveLength(1);
    const rest = await ok<Array<{ product_uom_qty: number }>>('stock.move', 'search_read', { domain: [['picking_id', '=', backorders[0]!.id]], fields: ['product_uom_qty'] });
    expect(rest.map((m) => m.product_uom_qty)).toEqual([1]);
  });

  it('process_cancel_backorder validates what was picked and cancels the rest without a backorder', async () => {
    const { picking, move } = await delivery(4);
    await ok('stock.move', 'write', { ids: [move], vals: { quantity: 1, picked: true } });
    const action = await ok<{ context: Record<string, unknown> }>('stock.picking', 'button_validate', { ids: [picking] });
    const wizard = await ok<number>('stock.backorder.confirmation', 'create', { vals_list: {}, context: action.context });
    await ok('stock.backorder.confirmation', 'process_cancel_backorder', { ids: [wizard], context: action.context });
    expect(await state('stock.picking', picking)).toBe('done');
    expect(await ok('stock.picking', 'search_count', { domain: [['backorder_id', '=', picking]] })).toBe(0);
    const moves = await ok<Array<{ state: string; quantity: number }>>('stock.move', 'search_read', { domain: [['picking_id', '=', picking]], fields: ['state', 'quantity'], order: 'id' });
    expect(moves).toEqual([expect.objectContaining({ state: 'done', quantity: 1 }), expect.objectContaining({ state: 'cancel' })]);
  });

  it('validates a fully reserved picking at once (quantity = product_uom_qty) and refuses one without any quantity', async () => {
    const { picking } = await delivery(1);
    expect(await ok('stock.picking', 'button_validate', { ids: [picking] })).toBe(true);
    expect(await state('stock.picking', picking)).toBe('done');
    const { picking: empty, move } = await delivery(1);
    await ok('stock.move', 'write', { ids: [move], vals: { quantity: 0 } });
    const refused = await call<Record<string, unknown>>('stock.picking', 'button_validate', { ids: [empty] });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ name: 'odoo.exceptions.UserError', message: expect.stringContaining('no quantities are reserved nor done') });
  });
});

describe('log access fields (odoo/orm/models.py MAGIC_COLUMNS)', () => {
  it('stamps create_date/write_date in whole seconds and create_uid with the admin user', async () => {
    const id = await ok<number>('res.partner', 'create', { vals_list: { name: 'Stamped' } });
    const [row] = await ok<Array<Record<string, unknown>>>('res.partner', 'read', { ids: [id], fields: ['create_date', 'write_date', 'create_uid'] });
    expect(row!.write_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(row!.create_uid).toEqual([2, 'Mitchell Admin']);
  });
});
