import type { OdooGateway } from '../odoo/gateway';

/**
 * Odoo's "Create invoice" wizard (`sale.advance.payment.inv`, regular invoice) on confirmed sale
 * orders: one draft customer invoice per order, with its lines, taxes and currency. Returns the
 * new invoices' ids in the order of the sale orders (Odoo's _create_invoices, not grouped).
 */
export async function createInvoices(odoo: OdooGateway, saleOrderIds: number[]): Promise<number[]> {
  const context = { active_model: 'sale.order', active_ids: saleOrderIds };
  const [wizard] = await odoo.create('sale.advance.payment.inv', [{ advance_payment_method: 'delivered' }], { context });
  const action = await odoo.callMethod<{ domain?: Array<[string, string, number[]]> }>('sale.advance.payment.inv', 'create_invoices', [wizard!], { context });
  return action?.domain?.find((d) => d[0] === 'id')?.[2] ?? [];
}
