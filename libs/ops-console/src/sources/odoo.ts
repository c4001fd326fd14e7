import { createOdooClient, XMLID_MODULE, xmlIdName, type OdooClient, type OdooDomain } from '@retail-backbone/odoo-client';
import type { OdooSettings } from '../config';

export interface OdooSaleOrder {
  id: number;
  name: string;
  state: string;
  clientOrderRef: string | null;
  pickings: Array<{ id: number; name: string; state: string; trackingRef: string | null }>;
}

interface SaleOrderRow {
  id: number;
  name: string;
  state: string;
  client_order_ref: string | false;
  picking_ids: number[];
}

interface PickingRow {
  id: number;
  name: string;
  state: string;
  carrier_tracking_ref?: string | false;
}

/** Odoo's documents for an order, looked up the way odoo-writer finds them (its external id). */
export class OdooDocuments {
  private readonly client: OdooClient;

  constructor(settings: OdooSettings) {
    this.client = createOdooClient({ ...settings, timeoutMs: 10_000, userAgent: 'retail-backbone-ops-console' });
  }

  async saleOrders(filter: { orderId?: string; name?: string }): Promise<OdooSaleOrder[]> {
    let domain: OdooDomain = [['name', '=', filter.name ?? '']];
    if (filter.orderId) {
      const xmlIds = await this.client.searchRead<{ res_id: number }>(
        'ir.model.data',
        [['module', '=', XMLID_MODULE], ['model', '=', 'sale.order'], ['name', '=', xmlIdName('order', filter.orderId)]],
        { fields: ['res_id'] },
      );
      if (xmlIds.length === 0) return [];
      domain = [['id', 'in', xmlIds.map((x) => x.res_id)]];
    }
    const rows = await this.client.searchRead<SaleOrderRow>('sale.order', domain, { fields: ['name', 'state', 'client_order_ref', 'picking_ids'], order: 'id asc' });
    const out: OdooSaleOrder[] = [];
    for (const row of rows) {
      const pickings = row.picking_ids.length
        ? await this.client.read<PickingRow>('stock.picking', row.picking_ids, ['name', 'state', 'carrier_tracking_ref'])
        : [];
      out.push({
        id: row.id,
        name: row.name,
        state: row.state,
        clientOrderRef: row.client_order_ref || null,
        pickings: pickings.map((p) => ({ id: p.id, name: p.name, state: p.state, trackingRef: p.carrier_tracking_ref || null })),
      });
    }
    return out;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
