import {
  OdooAccessError,
  OdooConcurrencyError,
  OdooError,
  OdooMissingError,
  OdooRequestError,
  OdooServerError,
  OdooTimeoutError,
  OdooUnavailableError,
  OdooValidationError,
  X2Many,
  type Many2one,
  type OdooProtocol,
} from '../src';
import { startHarness, type Harness } from './helpers';

async function failure(promise: Promise<unknown>): Promise<OdooError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OdooError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe.each<OdooProtocol>(['json2', 'jsonrpc'])('OdooClient over %s against the simulator', (protocol) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(protocol);
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.control.reset());

  it('creates, reads, writes, searches and unlinks', async () => {
    const { client } = h;
    const one = await client.create('res.partner', { name: 'Ada', email: 'ada@example.com', customer_rank: 1 });
    const many = await client.create('res.partner', [{ name: 'Bob' }, { name: 'Cy', is_company: true }]);
    expect(typeof one).toBe('number');
    expect(many).toHaveLength(2);
    await expect(client.write('res.partner', [one], { phone: '+32 2 000' })).resolves.toBe(true);
    const [ada] = await client.read<{ id: number; name: string; phone: string; comment: string | false }>('res.partner', [one], ['name', 'phone', 'comment']);
    expect(ada).toEqual({ id: one, name: 'Ada', phone: '+32 2 000', comment: false });
    expect(await client.search('res.partner', [['name', 'in', ['Bob', 'Cy']]], { order: 'name desc' })).toEqual([many[1], many[0]]);
    expect(await client.searchCount('res.partner', [['customer_rank', '>', 0]])).toBe(1);
    const page = await client.searchRead<{ id: number; name: string }>('res.partner', [], { fields: ['name'], order: 'id', limit: 2, offset: 1 });
    expect(page.map((p) => p.name)).toEqual(['Ada', 'Bob']);
    await expect(client.unlink('res.partner', [many[0]!])).resolves.toBe(true);
    expect(await client.search('res.partner', [['id', '=', many[0]]])).toEqual([]);
  });

  it('evaluates domains: operators, prefix & | !, implicit AND, active_test', async () => {
    const { client } = h;
    const sku = async (domain: Parameters<typeof client.search>[1], context?: Record<string, unknown>) =>
      (await client.searchRead<{ default_code: string }>('product.product', domain, { fields: ['default_code'], order: 'default_code', context })).map((p) => p.default_code);
    expect(await sku([['default_code', '=like', 'RB-TSHIRT-%']])).toEqual(['RB-TSHIRT-M', 'RB-TSHIRT-S']);
    expect(await sku([['name', 'ilike', 't-shirt']])).toEqual(['RB-TSHIRT-M', 'RB-TSHIRT-S']);
    expect(await sku([['name', 'like', 'T-Shirt (S']])).toEqual(['RB-TSHIRT-S']);
    expect(await sku(['|', ['default_code', '=', 'RB-MUG'], ['lst_price', '>=', 14]])).toEqual(['RB-CAP', 'RB-MUG', 'RB-TSHIRT-M', 'RB-TSHIRT-S']);
    expect(await sku(['!', ['default_code', 'in', ['RB-MUG', 'RB-CAP']], ['lst_price', '<', 20]])).toEqual(['RB-TSHIRT-M', 'RB-TSHIRT-S']);
    expect(await sku(['&', ['lst_price', '<=', 19.9], ['default_code', 'not in', ['RB-MUG']], ['default_code', '!=', 'RB-CAP']])).toEqual(['RB-TSHIRT-M', 'RB-TSHIRT-S']);
    // archived products are hidden unless the domain or the context asks for them
    expect(await sku([['default_code', '=', 'RB-POSTER-OLD']])).toEqual([]);
    expect(await sku([['default_code', '=', 'RB-POSTER-OLD'], ['active', '=', false]])).toEqual(['RB-POSTER-OLD']);
    expect(await sku([['default_code', 'ilike', 'poster']], { active_test: false })).toEqual(['RB-POSTER-OLD']);
  });

  it('applies x2many commands and computes amount_total', async () => {
    const { client } = h;
    const [tshirt, mug, cap] = await client.search('product.product', [['default_code', 'in', ['RB-TSHIRT-S', 'RB-MUG', 'RB-CAP']]], { order: 'default_code desc' });
    const partner = await client.create('res.partner', { name: 'Shopper' });
    const orderId = await client.create('sale.order', {
      partner_id: partner,
      client_order_ref: 'shopify-1001',
      order_line: [X2Many.create({ product_id: tshirt, product_uom_qty: 2 }), X2Many.create({ product_id: mug, product_uom_qty: 1, price_unit: 10 })],
    });
    type Order = { name: string; amount_total: number; order_line: number[]; state: string; partner_id: Many2one };
    let [order] = await client.read<Order>('sale.order', [orderId], ['name', 'amount_total', 'order_line', 'state', 'partner_id']);
    expect(order).toMatchObject({ name: 'S00001', amount_total: 49.8, state: 'draft', partner_id: [partner, 'Shopper'] });
    const [first, second] = order!.order_line;
    await client.write('sale.order', [orderId], { order_line: [X2Many.update(first!, { product_uom_qty: 3 }), X2Many.delete(second!), X2Many.create({ product_id: cap, discount: 50 })] });
    [order] = await client.read<Order>('sale.order', [orderId], ['amount_total', 'order_line']);
    expect(order!.amount_total).toBe(66.7);
    expect(order!.order_line).toHaveLength(2);
    await client.write('sale.order', [orderId], { order_line: [X2Many.clear()] });
    expect((await client.read<Order>('sale.order', [orderId], ['amount_total']))[0]!.amount_total).toBe(0);
    expect(h.sim.records('sale.order.line')).toHaveLength(0);
    // (6, 0, ids) on a one2many moves lines from another order
    const other = await client.create('sale.order', { partner_id: partner, order_line: [X2Many.create({ product_id: mug })] });
    const moved = (await client.read<Order>('sale.order', [other], ['order_line']))[0]!.order_line;
    await client.write('sale.order', [orderId], { order_line: [X2Many.set(moved)] });
    expect((await client.read<Order>('sale.order', [orderId], ['order_line']))[0]!.order_line).toEqual(moved);
    // a failing write leaves nothing behind
    const err = await failure(client.write('sale.order', [orderId], { order_line: [X2Many.create({ product_id: mug }), X2Many.create({ product_id: 9999 })] }));
    expect(err).toBeInstanceOf(OdooValidationError);
    expect((await client.read<Order>('sale.order', [orderId], ['order_line']))[0]!.order_line).toEqual(moved);
  });

  it('confirms an order once; a second confirm is a typed validation error', async () => {
    const { client } = h;
    const [tshirt] = await client.search('product.product', [['default_code', '=', 'RB-TSHIRT-S']]);
    const orderId = await client.create('sale.order', { partner_id: 1, order_line: [X2Many.create({ product_id: tshirt, product_uom_qty: 3 })] });
    await expect(client.callMethod('sale.order', 'action_confirm', [orderId])).resolves.toBe(true);
    const err = await failure(client.callMethod('sale.order', 'action_confirm', [orderId]));
    expect(err).toBeInstanceOf(OdooValidationError);
    expect(err).toMatchObject({ odooName: 'odoo.exceptions.UserError', retryable: false, ambiguous: false, model: 'sale.order', method: 'action_confirm', protocol });
    const pickings = await client.searchRead<{ id: number; state: string; picking_type_code: string; origin: string }>('stock.picking', [['sale_id', '=', orderId]], {
      fields: ['state', 'picking_type_code', 'origin'],
    });
    expect(pickings).toEqual([{ id: expect.any(Number), state: 'assigned', picking_type_code: 'outgoing', origin: 'S00001' }]);
    await client.write('stock.picking', [pickings[0]!.id], { carrier_tracking_ref: 'TRACK-1' });
    await client.callMethod('stock.picking', 'button_validate', [pickings[0]!.id]);
    const [done] = await client.read<{ state: string; date_done: string }>('stock.picking', [pickings[0]!.id], ['state', 'date_done']);
    expect(done!.state).toBe('done');
    expect(done!.date_done).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const [product] = await client.read<{ qty_available: number }>('product.product', [tshirt!], ['qty_available']);
    expect(product!.qty_available).toBe(97);
  });

  it('applies an inventory count, posts a credit note and keeps external ids unique', async () => {
    const { client } = h;
    const [mug] = await client.search('product.product', [['default_code', '=', 'RB-MUG']]);
    expect(await failure(client.create('stock.quant', { product_id: mug, inventory_quantity: 5 }))).toBeInstanceOf(OdooValidationError);
    const quant = await client.create('stock.quant', { product_id: mug, inventory_quantity: 7 }, { context: { inventory_mode: true } });
    await client.callMethod('stock.quant', 'action_apply_inventory', [quant], { context: { inventory_mode: true } });
    expect((await client.read<{ qty_available: number }>('product.product', [mug!], ['qty_available']))[0]!.qty_available).toBe(7);

    const refund = await client.create('account.move', { move_type: 'out_refund', partner_id: 1, invoice_line_ids: [X2Many.create({ product_id: mug, quantity: 1, price_unit: 9.5 })] });
    await client.callMethod('account.move', 'action_post', [refund]);
    const [posted] = await client.read<{ state: string; name: string; amount_total: number }>('account.move', [refund], ['state', 'name', 'amount_total']);
    expect(posted).toMatchObject({ state: 'posted', amount_total: 9.5, name: expect.stringMatching(/^RINV\/\d{4}\/00001$/) });
    expect(await failure(client.callMethod('account.move', 'action_post', [refund]))).toBeInstanceOf(OdooValidationError);

    const xmlid = { module: 'retail_backbone', name: 'order_1001', model: 'account.move', res_id: refund };
    await client.create('ir.model.data', xmlid);
    const dup = await failure(client.create('ir.model.data', { ...xmlid, res_id: 1 }));
    expect(dup).toBeInstanceOf(OdooValidationError);
    expect(await client.searchRead('ir.model.data', [['module', '=', 'retail_backbone'], ['name', '=', 'order_1001']], { fields: ['model', 'res_id'] })).toEqual([
      { id: expect.any(Number), model: 'account.move', res_id: refund },
    ]);
  });

  it('maps Odoo errors of each kind to typed errors', async () => {
    const { client, sim } = h;
    const bad = h.makeClient({ apiKey: 'wrong-key' });
    expect(await failure(bad.searchCount('res.partner'))).toBeInstanceOf(OdooAccessError);
    const validation = await failure(client.create('sale.order', { client_order_ref: 'no partner' }));
    expect(validation).toBeInstanceOf(OdooValidationError);
    expect(validation.odooName).toBe('odoo.exceptions.ValidationError');
    expect(validation.message).toMatch(/partner_id/);
    expect(await failure(client.read('sale.order', [424242]))).toBeInstanceOf(OdooMissingError);
    expect(await failure(client.call('no.such.model', 'search', {}))).toBeInstanceOf(OdooRequestError);
    expect(await failure(client.search('res.partner', [['no_field', '=', 1]]))).toBeInstanceOf(OdooServerError);

    sim.control.injectFault({ kind: 'lock', model: 'sale.order', count: 1 });
    const lock = await failure(client.create('sale.order', { partner_id: 1 }));
    expect(lock).toBeInstanceOf(OdooConcurrencyError);
    expect(lock).toMatchObject({ odooName: 'odoo.exceptions.LockError', retryable: true });

    sim.control.injectFault({ kind: 'serialization', count: 1 });
    const serialization = await failure(client.searchCount('sale.order'));
    expect(serialization).toBeInstanceOf(OdooConcurrencyError);
    expect(serialization.message).toMatch(/could not serialize access/);

    sim.control.injectFault({ kind: 'http500', count: 1 });
    expect(await failure(client.searchCount('sale.order'))).toMatchObject({ name: 'OdooUnavailableError', status: 500, retryable: true });

    sim.control.injectFault({ kind: 'rate_limit', retryAfterSeconds: 7, count: 1 });
    const limited = await failure(client.searchCount('sale.order'));
    expect(limited).toBeInstanceOf(OdooUnavailableError);
    expect(limited).toMatchObject({ status: 429, retryAfterMs: 7000, retryable: true });

    // the faults were consumed: the next call succeeds
    await expect(client.searchCount('sale.order')).resolves.toBe(0);
    expect(h.sim.records('sale.order')).toHaveLength(0);
  });

  it('reports a timeout as ambiguous while the simulator committed the record', async () => {
    const impatient = h.makeClient({ timeoutMs: 250 });
    h.sim.control.injectFault({ kind: 'timeout', holdMs: 1_000, timeoutMode: 'drop', model: 'res.partner', method: 'create' });
    const err = await failure(impatient.create('res.partner', { name: 'Committed anyway' }));
    expect(err).toBeInstanceOf(OdooTimeoutError);
    expect(err).toMatchObject({ ambiguous: true, retryable: true });
    expect(h.sim.records('res.partner').map((p) => p.name)).toContain('Committed anyway');
    // looking before retrying finds it
    expect(await h.client.search('res.partner', [['name', '=', 'Committed anyway']])).toHaveLength(1);
  });

  it('reports outages as unavailable and recovers', async () => {
    const { client, sim } = h;
    await sim.control.setOutage('503', { retryAfterSeconds: 2 });
    expect(await failure(client.searchCount('res.partner'))).toMatchObject({ name: 'OdooUnavailableError', status: 503, retryAfterMs: 2000, ambiguous: false });
    await sim.control.setOutage('reset');
    expect(await failure(client.searchCount('res.partner'))).toMatchObject({ name: 'OdooUnavailableError', ambiguous: true });
    await sim.control.setOutage('refused');
    const refused = await failure(client.searchCount('res.partner'));
    expect(refused).toMatchObject({ name: 'OdooUnavailableError', ambiguous: false, retryable: true });
    expect(refused.message).toMatch(/ECONNREFUSED/);
    await sim.control.setOutage(null);
    await expect(client.searchCount('res.partner')).resolves.toBeGreaterThan(0);
  });

  it('emits call events without keys or values, and reads the server version', async () => {
    h.events.length = 0;
    await h.client.create('res.partner', { name: 'Private Person', email: 'private@example.com' });
    expect(await h.client.version()).toMatchObject({ version: '19.0', version_info: [19, 0, 0, 'final', 0, ''] });
    expect(h.events[0]).toMatchObject({ protocol, model: 'res.partner', method: 'create', ok: true });
    const serialized = JSON.stringify(h.events);
    expect(serialized).not.toMatch(/Private|private@example|test-key-1/);
  });
});
