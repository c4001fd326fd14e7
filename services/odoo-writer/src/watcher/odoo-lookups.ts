import { XMLID_MODULE, xmlIdName, type Many2one } from '@retail-backbone/odoo-client';
import type pg from 'pg';
import type { OdooGateway } from '../odoo/gateway';

export interface OdooLocation {
  id: number;
  name: string;
  usage: string;
}

export const many2oneId = (value: unknown): number | null => (Array.isArray(value) && typeof value[0] === 'number' ? value[0] : null);

const ALL = { active_test: false };

/**
 * The Odoo reads the watcher needs around a page of changes, one call per kind per page. Locations
 * rarely change, so they are kept for the life of the process (a renamed location is picked up on restart).
 */
export class OdooLookups {
  private readonly locationCache = new Map<number, OdooLocation>();

  constructor(
    private readonly odoo: OdooGateway,
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  async locations(ids: Iterable<number>): Promise<Map<number, OdooLocation>> {
    const missing = [...new Set(ids)].filter((id) => !this.locationCache.has(id));
    if (missing.length) {
      const rows = await this.odoo.searchRead<{ id: number; complete_name: string; usage: string }>('stock.location', [['id', 'in', missing]], {
        fields: ['complete_name', 'usage'],
        context: ALL,
      });
      for (const r of rows) this.locationCache.set(r.id, { id: r.id, name: r.complete_name, usage: r.usage });
    }
    return new Map([...new Set(ids)].flatMap((id) => (this.locationCache.has(id) ? [[id, this.locationCache.get(id)!] as const] : [])));
  }

  /** product.product id → SKU (default_code); products without one are left out. */
  async skus(productIds: Iterable<number>): Promise<Map<number, string>> {
    const ids = [...new Set(productIds)];
    if (!ids.length) return new Map();
    const rows = await this.odoo.searchRead<{ id: number; default_code: string | false }>('product.product', [['id', 'in', ids]], {
      fields: ['default_code'],
      context: ALL,
    });
    return new Map(rows.flatMap((r) => (r.default_code ? [[r.id, r.default_code] as const] : [])));
  }

  /** stock.picking id → its sale.order id, for pickings that have one. */
  async pickingOrders(pickingIds: Iterable<number>): Promise<Map<number, number>> {
    const ids = [...new Set(pickingIds)];
    if (!ids.length) return new Map();
    const rows = await this.odoo.searchRead<{ id: number; sale_id: Many2one }>('stock.picking', [['id', 'in', ids]], { fields: ['sale_id'] });
    return new Map(rows.flatMap((r) => (many2oneId(r.sale_id) === null ? [] : [[r.id, many2oneId(r.sale_id)!] as const])));
  }

  /**
   * sale.order id → backbone order id, for the sale orders that carry a backbone external id
   * (`retail_backbone.order_…`). The external id name is not reversible for ids with ':' or '.',
   * so the order id comes from the writer's own `orders` table; a name written by another writer
   * database is reversed when it holds the id unchanged.
   */
  async backboneOrders(saleOrderIds: Iterable<number>): Promise<{ orders: Map<number, string>; unresolved: Set<number> }> {
    const ids = [...new Set(saleOrderIds)];
    const orders = new Map<number, string>();
    const unresolved = new Set<number>();
    if (!ids.length) return { orders, unresolved };
    const xmlIds = await this.odoo.searchRead<{ res_id: number; name: string }>(
      'ir.model.data',
      [
        ['module', '=', XMLID_MODULE],
        ['model', '=', 'sale.order'],
        ['res_id', 'in', ids],
      ],
      { fields: ['res_id', 'name'] },
    );
    if (!xmlIds.length) return { orders, unresolved };
    const { rows } = await this.pool.query<{ order_id: string; odoo_order_id: number }>(
      `SELECT order_id, odoo_order_id FROM ${this.schema}.orders WHERE odoo_order_id = ANY($1::int[])`,
      [xmlIds.map((x) => x.res_id)],
    );
    const known = new Map(rows.map((r) => [r.odoo_order_id, r.order_id]));
    for (const x of xmlIds) {
      const candidate = x.name.startsWith('order_') ? x.name.slice('order_'.length) : '';
      const orderId = known.get(x.res_id) ?? (candidate && xmlIdName('order', candidate) === x.name ? candidate : undefined);
      if (orderId) orders.set(x.res_id, orderId);
      else unresolved.add(x.res_id);
    }
    return { orders, unresolved };
  }
}
