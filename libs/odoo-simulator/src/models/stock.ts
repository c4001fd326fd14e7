import { formatDatetime, type Env, type ModelDef } from '../model';
import { userError } from '../odoo-exceptions';
import * as orm from '../orm';

export function locationByUsage(env: Env, usage: string): number {
  const loc = [...env.db.table('stock.location').values()].find((l) => l.usage === usage);
  if (!loc) throw userError(`No ${usage} location is configured.`);
  return loc.id;
}

function quantAt(env: Env, productId: number, locationId: number) {
  return [...env.db.table('stock.quant').values()].find((q) => q.product_id === productId && q.location_id === locationId);
}

/** Moves stock between quants: the bookkeeping a done stock.move does. */
function moveQuantity(env: Env, productId: number, from: number, to: number, qty: number): void {
  for (const [locationId, delta] of [
    [from, -qty],
    [to, qty],
  ] as const) {
    const quant = quantAt(env, productId, locationId);
    if (quant) env.db.update('stock.quant', quant.id, { quantity: (quant.quantity as number) + delta });
    else env.db.insert('stock.quant', { product_id: productId, location_id: locationId, quantity: delta, inventory_quantity: 0, inventory_quantity_set: false });
  }
}

/** What sale.order action_confirm triggers through procurement: one outgoing picking. */
export function createDelivery(env: Env, orderId: number): void {
  const order = orm.rowOf(env, 'sale.order', orderId);
  // sale_stock's _action_launch_stock_rule: only goods (type 'consu') are delivered, so service
  // lines (shipping, discounts, rounding) have no move
  const lines = [...env.db.table('sale.order.line').values()].filter(
    (l) => l.order_id === orderId && l.product_id && orm.fieldValue(env, 'product.product', env.db.get('product.product', l.product_id as number)!, 'type') === 'consu',
  );
  if (!lines.length) return;
  const stock = locationByUsage(env, 'internal');
  const customers = locationByUsage(env, 'customer');
  const available = lines.every((l) => ((quantAt(env, l.product_id as number, stock)?.quantity as number) ?? 0) >= (l.product_uom_qty as number));
  const state = available ? 'assigned' : 'confirmed';
  const [pickingId] = orm.create(env, 'stock.picking', [
    {
      origin: order.name,
      partner_id: order.partner_shipping_id ?? order.partner_id,
      sale_id: orderId,
      picking_type_code: 'outgoing',
      location_id: stock,
      location_dest_id: customers,
    },
  ]);
  for (const line of lines) {
    orm.create(env, 'stock.move', [
      {
        name: line.name,
        product_id: line.product_id,
        product_uom_qty: line.product_uom_qty,
        quantity: available ? line.product_uom_qty : 0,
        picking_id: pickingId,
        origin: order.name,
        sale_line_id: line.id,
        location_id: stock,
        location_dest_id: customers,
        state,
      },
    ]);
  }
  env.db.update('stock.picking', pickingId!, { state });
}

const moveStates = ['draft', 'waiting', 'confirmed', 'partially_available', 'assigned', 'done', 'cancel'] as const;

export const stockPicking: ModelDef = {
  name: 'stock.picking',
  description: 'Transfer',
  order: 'priority desc, scheduled_date asc, id desc',
  fields: {
    name: { type: 'char', string: 'Reference', required: true },
    origin: { type: 'char', string: 'Source Document' },
    priority: { type: 'selection', string: 'Priority', selection: ['0', '1'], default: '0' },
    state: {
      type: 'selection',
      string: 'Status',
      selection: ['draft', 'waiting', 'confirmed', 'assigned', 'done', 'cancel'],
      default: 'draft',
    },
    picking_type_code: { type: 'selection', string: 'Type of Operation', selection: ['incoming', 'outgoing', 'internal'], required: true },
    scheduled_date: { type: 'datetime', string: 'Scheduled Date', default: (env: Env) => formatDatetime(env.now()) },
    date_done: { type: 'datetime', string: 'Date of Transfer' },
    partner_id: { type: 'many2one', string: 'Contact', relation: 'res.partner' },
    sale_id: { type: 'many2one', string: 'Sales Order', relation: 'sale.order' },
    location_id: { type: 'many2one', string: 'Source Location', relation: 'stock.location', required: true },
    location_dest_id: { type: 'many2one', string: 'Destination Location', relation: 'stock.location', required: true },
    move_ids: { type: 'one2many', string: 'Stock Moves', relation: 'stock.move', inverse: 'picking_id' },
    carrier_tracking_ref: { type: 'char', string: 'Tracking Reference' },
    backorder_id: { type: 'many2one', string: 'Back Order of', relation: 'stock.picking' },
    carrier_tracking_url: { type: 'char', string: 'Tracking URL' },
  },
  displayName: (_env, row) => String(row.name),
  prepareCreate(env, vals) {
    if (!vals.name || vals.name === '/') {
      const prefix = vals.picking_type_code === 'incoming' ? 'WH/IN/' : vals.picking_type_code === 'internal' ? 'WH/INT/' : 'WH/OUT/';
      vals.name = `${prefix}${String(env.db.nextSequence(`stock.picking.${prefix}`)).padStart(5, '0')}`;
    }
  },
  methods: {
    action_confirm: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        for (const id of orm.existing(env, 'stock.picking', ids)) if (orm.rowOf(env, 'stock.picking', id).state === 'draft') confirmPicking(env, id);
        return true;
      },
    },
    button_validate: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run: (env, ids) => validatePickings(env, orm.existing(env, 'stock.picking', ids)),
    },
    action_cancel: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        for (const id of orm.existing(env, 'stock.picking', ids)) {
          if (orm.rowOf(env, 'stock.picking', id).state === 'done') throw userError('You cannot cancel a transfer that is done.');
        }
        for (const id of ids) {
          env.db.update('stock.picking', id, { state: 'cancel' });
          for (const move of env.db.table('stock.move').values()) {
            if (move.picking_id === id) env.db.update('stock.move', move.id, { state: 'cancel' });
          }
        }
        return true;
      },
    },
  },
};

export const stockMove: ModelDef = {
  name: 'stock.move',
  description: 'Stock Move',
  fields: {
    name: { type: 'char', string: 'Description' },
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product', required: true },
    product_uom_qty: { type: 'float', string: 'Demand', default: 0 },
    quantity: { type: 'float', string: 'Quantity', default: 0 },
    picked: { type: 'boolean', string: 'Picked', default: false },
    date: { type: 'datetime', string: 'Date Scheduled' },
    picking_code: {
      type: 'selection',
      string: 'Type of Operation',
      selection: ['incoming', 'outgoing', 'internal'],
      compute: (env, row) => env.db.get('stock.picking', row.picking_id as number)?.picking_type_code ?? false,
    },
    scrapped: {
      type: 'boolean',
      string: 'Scrapped',
      compute: (env, row) => String(env.db.get('stock.location', row.location_dest_id as number)?.complete_name ?? '').endsWith('/Scrap'),
    },
    picking_id: { type: 'many2one', string: 'Transfer', relation: 'stock.picking', ondelete: 'cascade' },
    sale_line_id: { type: 'many2one', string: 'Sale Line', relation: 'sale.order.line' },
    origin: { type: 'char', string: 'Source Document' },
    location_id: { type: 'many2one', string: 'Source Location', relation: 'stock.location', required: true },
    location_dest_id: { type: 'many2one', string: 'Destination Location', relation: 'stock.location', required: true },
    state: { type: 'selection', string: 'Status', selection: moveStates, default: 'draft' },
    is_inventory: { type: 'boolean', string: 'Inventory', default: false },
  },
  displayName: (_env, row) => String(row.name ?? '/'),
};

const inventoryMode = (env: Env) => env.context.inventory_mode === true;

export const stockQuant: ModelDef = {
  name: 'stock.quant',
  description: 'Quants',
  fields: {
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product', required: true, ondelete: 'restrict' },
    location_id: { type: 'many2one', string: 'Location', relation: 'stock.location', required: true, ondelete: 'restrict' },
    quantity: { type: 'float', string: 'Quantity', default: 0 },
    reserved_quantity: { type: 'float', string: 'Reserved Quantity', default: 0 },
    inventory_quantity: { type: 'float', string: 'Counted Quantity', default: 0 },
    inventory_quantity_set: { type: 'boolean', string: 'Inventory Quantity Set', default: false },
    inventory_diff_quantity: {
      type: 'float',
      string: 'Difference',
      compute: (_env, row) => (row.inventory_quantity_set ? (row.inventory_quantity as number) - (row.quantity as number) : 0),
    },
  },
  displayName: (env, row) => orm.displayName(env, 'product.product', row.product_id as number),
  overrideCreate(env, vals) {
    if (!inventoryMode(env)) {
      throw userError("Quant's creation is restricted, you can't do this operation.");
    }
    if (typeof vals.location_id !== 'number') vals.location_id = locationByUsage(env, 'internal');
    const existingQuant = typeof vals.product_id === 'number' ? quantAt(env, vals.product_id, vals.location_id as number) : undefined;
    if (existingQuant) {
      orm.write(env, 'stock.quant', [existingQuant.id], { inventory_quantity: vals.inventory_quantity ?? 0 });
      return existingQuant.id;
    }
    return undefined;
  },
  prepareCreate(env, vals) {
    vals.location_id ??= locationByUsage(env, 'internal');
    if (vals.inventory_quantity !== undefined && vals.inventory_quantity !== 0) vals.inventory_quantity_set = true;
  },
  beforeWrite(env, _ids, vals) {
    const userFields = ['inventory_quantity', 'inventory_quantity_set'];
    if (Object.keys(vals).some((k) => !userFields.includes(k)) || !inventoryMode(env)) {
      throw userError("Quant's editing is restricted, you can't do this operation.");
    }
    if ('inventory_quantity' in vals) vals.inventory_quantity_set = true;
  },
  methods: {
    action_apply_inventory: {
      api: 'records',
      params: [],
      records: (ids) => ids.length,
      run(env, ids) {
        const adjustment = locationByUsage(env, 'inventory');
        for (const id of orm.existing(env, 'stock.quant', ids)) {
          const quant = orm.rowOf(env, 'stock.quant', id);
          if (!quant.inventory_quantity_set) continue;
          const diff = (quant.inventory_quantity as number) - (quant.quantity as number);
          const [from, to] = diff >= 0 ? [adjustment, quant.location_id as number] : [quant.location_id as number, adjustment];
          orm.create(env, 'stock.move', [
            {
              name: 'Product Quantity Updated',
              product_id: quant.product_id,
              product_uom_qty: Math.abs(diff),
              quantity: Math.abs(diff),
              location_id: from,
              location_dest_id: to,
              state: 'done',
              is_inventory: true,
            },
          ]);
          env.db.update('stock.quant', id, {
            quantity: quant.inventory_quantity,
            inventory_quantity: 0,
            inventory_quantity_set: false,
          });
        }
        return null;
      },
    },
  },
};

/** A draft picking confirmed: moves reserved when the stock is there (outgoing), else waiting. */
function confirmPicking(env: Env, pickingId: number): void {
  const picking = orm.rowOf(env, 'stock.picking', pickingId);
  const moves = [...env.db.table('stock.move').values()].filter((m) => m.picking_id === pickingId && m.state === 'draft');
  const internalSource = env.db.get('stock.location', picking.location_id as number)?.usage === 'internal';
  let allAssigned = true;
  for (const move of moves) {
    const onHand = internalSource ? ((quantAt(env, move.product_id as number, move.location_id as number)?.quantity as number) ?? 0) : Infinity;
    const reserved = Math.min(onHand, move.product_uom_qty as number);
    if (reserved < (move.product_uom_qty as number)) allAssigned = false;
    env.db.update('stock.move', move.id, { state: reserved >= (move.product_uom_qty as number) ? 'assigned' : reserved > 0 ? 'partially_available' : 'confirmed', quantity: Math.max(0, reserved) });
  }
  env.db.update('stock.picking', pickingId, { state: allAssigned ? 'assigned' : 'confirmed' });
}

const liveMoves = (env: Env, pickingId: number) =>
  [...env.db.table('stock.move').values()].filter((m) => m.picking_id === pickingId && m.state !== 'done' && m.state !== 'cancel');

/** Odoo's _check_backorder: some move not picked, or picked below its demand. */
function needsBackorder(env: Env, pickingId: number): boolean {
  return [...env.db.table('stock.move').values()]
    .filter((m) => m.picking_id === pickingId && m.state !== 'cancel')
    .some((m) => ((m.product_uom_qty as number) && !m.picked) || (m.picked ? (m.quantity as number) : 0) < (m.product_uom_qty as number));
}

/**
 * stock.picking.button_validate (19.0): done pickings are skipped, drafts confirmed with their
 * demand as quantity, a picking without any quantity refused, the backorder wizard returned when a
 * quantity is short (unless skip_backorder), else the moves done and the remainder either moved
 * to a backorder or cancelled (picking_ids_not_to_backorder).
 */
export function validatePickings(env: Env, ids: number[]): unknown {
  const todo = ids.filter((id) => orm.rowOf(env, 'stock.picking', id).state !== 'done');
  for (const id of todo) {
    if (orm.rowOf(env, 'stock.picking', id).state !== 'draft') continue;
    confirmPicking(env, id);
    for (const move of liveMoves(env, id)) if (!(move.quantity as number)) env.db.update('stock.move', move.id, { quantity: move.product_uom_qty });
  }
  for (const id of todo) {
    const moves = liveMoves(env, id);
    const hasPick = moves.some((m) => m.picked);
    if (moves.filter((m) => !hasPick || m.picked).every((m) => !(m.quantity as number))) {
      throw userError(
        'You cannot validate a transfer if no quantities are reserved nor done. You can use the info button on the top right corner of your screen to learn more.',
      );
    }
    // _pre_action_done_hook: quantities set but nothing marked picked means everything is picked
    if (!hasPick) for (const m of moves) env.db.update('stock.move', m.id, { picked: true });
  }
  if (env.context.skip_backorder !== true) {
    const short = todo.filter((id) => needsBackorder(env, id));
    if (short.length) {
      return {
        name: 'Create Backorder?',
        type: 'ir.actions.act_window',
        view_mode: 'form',
        res_model: 'stock.backorder.confirmation',
        views: [[false, 'form']],
        view_id: false,
        target: 'new',
        context: {
          ...env.context,
          button_validate_picking_ids: todo,
          default_show_transfers: false,
          default_pick_ids: short.map((id) => [4, id]),
        },
      };
    }
  }
  const noBackorder = new Set((env.context.picking_ids_not_to_backorder as number[] | undefined) ?? []);
  for (const id of todo) donePicking(env, id, noBackorder.has(id));
  return true;
}

function donePicking(env: Env, pickingId: number, cancelBackorder: boolean): void {
  const remainders: Array<{ move: Record<string, unknown>; qty: number }> = [];
  // a move with nothing picked goes whole to the backorder (or is cancelled), as Odoo does
  const untouched: number[] = [];
  const doneAt = formatDatetime(env.now());
  for (const move of liveMoves(env, pickingId)) {
    const demand = move.product_uom_qty as number;
    const qty = move.picked ? (move.quantity as number) : 0;
    if (qty <= 0) {
      untouched.push(move.id);
      continue;
    }
    moveQuantity(env, move.product_id as number, move.location_id as number, move.location_dest_id as number, qty);
    env.db.update('stock.move', move.id, { state: 'done', quantity: qty, product_uom_qty: Math.min(demand, qty) || qty, date: doneAt });
    if (qty < demand) remainders.push({ move, qty: demand - qty });
  }
  env.db.update('stock.picking', pickingId, { state: 'done', date_done: doneAt, priority: '0' });
  if (!remainders.length && !untouched.length) return;
  const picking = orm.rowOf(env, 'stock.picking', pickingId);
  const copy = (move: Record<string, unknown>, qty: number, extra: Record<string, unknown>) => ({
    name: move.name,
    product_id: move.product_id,
    product_uom_qty: qty,
    origin: move.origin,
    sale_line_id: move.sale_line_id,
    location_id: move.location_id,
    location_dest_id: move.location_dest_id,
    ...extra,
  });
  if (cancelBackorder) {
    for (const { move, qty } of remainders) orm.create(env, 'stock.move', [copy(move, qty, { picking_id: pickingId, state: 'cancel' })]);
    for (const id of untouched) env.db.update('stock.move', id, { state: 'cancel', quantity: 0 });
    return;
  }
  const [backorder] = orm.create(env, 'stock.picking', [
    {
      origin: picking.origin,
      partner_id: picking.partner_id,
      sale_id: picking.sale_id,
      picking_type_code: picking.picking_type_code,
      location_id: picking.location_id,
      location_dest_id: picking.location_dest_id,
      backorder_id: pickingId,
    },
  ]);
  for (const { move, qty } of remainders) orm.create(env, 'stock.move', [copy(move, qty, { picking_id: backorder, state: 'draft' })]);
  for (const id of untouched) env.db.update('stock.move', id, { picking_id: backorder, state: 'draft', quantity: 0 });
  confirmPicking(env, backorder!);
}

/** The wizard button_validate returns: process keeps the remainder in a backorder, process_cancel_backorder drops it. */
export const stockBackorderConfirmation: ModelDef = {
  name: 'stock.backorder.confirmation',
  description: 'Backorder Confirmation',
  fields: {
    pick_ids: { type: 'many2many', string: 'Pick', relation: 'stock.picking' },
    show_transfers: { type: 'boolean', string: 'Show Transfers', default: false },
  },
  displayName: (_env, row) => `stock.backorder.confirmation,${row.id}`,
  prepareCreate(env, vals) {
    if (vals.pick_ids === undefined && Array.isArray(env.context.default_pick_ids)) vals.pick_ids = env.context.default_pick_ids;
  },
  methods: {
    process: {
      api: 'records',
      params: [],
      run: (env, ids) => processWizard(env, ids, false),
    },
    process_cancel_backorder: {
      api: 'records',
      params: [],
      run: (env, ids) => processWizard(env, ids, true),
    },
  },
};

function processWizard(env: Env, ids: number[], cancel: boolean): unknown {
  const picks = [...new Set(orm.existing(env, 'stock.backorder.confirmation', ids).flatMap((id) => (orm.rowOf(env, 'stock.backorder.confirmation', id).pick_ids as number[]) ?? []))];
  const fromContext = (env.context.button_validate_picking_ids as number[] | undefined) ?? picks;
  const toValidate = [...new Set([...fromContext, ...picks])];
  const ctx = { ...env.context, skip_backorder: true, ...(cancel ? { picking_ids_not_to_backorder: picks } : {}) };
  return validatePickings({ ...env, context: ctx }, toValidate);
}
