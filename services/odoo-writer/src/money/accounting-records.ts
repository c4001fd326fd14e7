import type { Many2one } from '@retail-backbone/odoo-client';
import Big from 'big.js';
import { BusinessError } from '../odoo/failures';
import type { OdooGateway } from '../odoo/gateway';
import type { AccountingConfig } from './accounting-config';
import type { MoneyPlan } from './order-lines';

interface Cached<T> {
  value: T;
  expiresAt: number;
}

interface PricelistRow {
  id: number;
  name: string;
  currency_id: Many2one;
}

interface TaxRow {
  id: number;
  name: string;
  amount: number;
  price_include: boolean;
  company_id: Many2one;
}

/**
 * The Odoo records the accounting table names (companies, pricelists, taxes), found by name and
 * checked against the table: a pricelist must be in its currency, a tax must have the configured
 * rate and price-included flag and belong to the order's company. Found records are cached for
 * `ttlMs`, so a steady stream of orders costs no lookups; what is missing is looked up again on
 * the next attempt (an administrator may have created it meanwhile).
 */
export class AccountingRecords {
  private readonly companies = new Map<string, Cached<number>>();
  private readonly pricelists = new Map<string, Cached<PricelistRow>>();
  private readonly taxes = new Map<string, Cached<TaxRow[]>>();

  constructor(
    private readonly odoo: OdooGateway,
    private readonly config: AccountingConfig,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Looks up (in at most one search_read per model) what the plans need and is not cached. */
  async load(plans: MoneyPlan[]): Promise<void> {
    const now = this.now();
    const stale = <T>(cache: Map<string, Cached<T>>, names: Iterable<string>) => [...new Set(names)].filter((n) => !((cache.get(n)?.expiresAt ?? 0) > now));
    const companies = stale(this.companies, plans.map((p) => p.company.company));
    const pricelists = stale(this.pricelists, plans.map((p) => p.pricelist));
    const taxes = stale(this.taxes, plans.flatMap((p) => p.lines.flatMap((l) => l.taxes)));
    const expiresAt = now + this.ttlMs;
    if (companies.length > 0) {
      const rows = await this.odoo.searchRead<{ id: number; name: string }>('res.company', [['name', 'in', companies]], { fields: ['name'], order: 'id asc' });
      for (const row of rows) if (!this.companies.has(row.name) || this.companies.get(row.name)!.expiresAt <= now) this.companies.set(row.name, { value: row.id, expiresAt });
    }
    if (pricelists.length > 0) {
      const rows = await this.odoo.searchRead<PricelistRow>('product.pricelist', [['name', 'in', pricelists]], { fields: ['name', 'currency_id'], order: 'id asc' });
      for (const name of pricelists) {
        const row = rows.find((r) => r.name === name);
        if (row) this.pricelists.set(name, { value: row, expiresAt });
      }
    }
    if (taxes.length > 0) {
      const rows = await this.odoo.searchRead<TaxRow>('account.tax', [['name', 'in', taxes], ['type_tax_use', '=', 'sale']], {
        fields: ['name', 'amount', 'price_include', 'company_id'],
        order: 'id asc',
      });
      for (const name of taxes) {
        const found = rows.filter((r) => r.name === name);
        if (found.length > 0) this.taxes.set(name, { value: found, expiresAt });
      }
    }
  }

  /** The ids of one plan's records, or the reason the order cannot be written (load first). */
  idsOf(plan: MoneyPlan): { companyId: number; pricelistId: number; taxIds: Map<string, number> } | BusinessError {
    const companyId = this.companies.get(plan.company.company)?.value;
    if (companyId === undefined) return new BusinessError('accounting_not_found', `no res.company named '${plan.company.company}' in Odoo`);
    const pricelist = this.pricelists.get(plan.pricelist)?.value;
    if (!pricelist) return new BusinessError('accounting_not_found', `no product.pricelist named '${plan.pricelist}' in Odoo`);
    const currency = pricelist.currency_id ? pricelist.currency_id[1] : '';
    if (currency !== plan.currency) {
      return new BusinessError('currency_unmapped', `pricelist '${plan.pricelist}' is in ${currency || 'no currency'}, the order in ${plan.currency}`);
    }
    const taxIds = new Map<string, number>();
    for (const name of new Set(plan.lines.flatMap((l) => l.taxes))) {
      const rows = this.taxes.get(name)?.value ?? [];
      const ofCompany = rows.find((r) => (r.company_id ? r.company_id[0] : companyId) === companyId);
      if (!ofCompany) return new BusinessError('accounting_not_found', `no sales account.tax named '${name}' in company '${plan.company.company}'`);
      const mapped = this.config.taxes.filter((t) => t.tax === name);
      const agrees = mapped.every((t) => new Big(t.rate).eq(ofCompany.amount) && t.included === ofCompany.price_include);
      if (!agrees) {
        return new BusinessError(
          'tax_unmapped',
          `account.tax '${name}' is ${ofCompany.amount}% ${ofCompany.price_include ? 'included in' : 'excluded from'} price in Odoo, not what ODOO_ACCOUNTING.taxes says`,
        );
      }
      taxIds.set(name, ofCompany.id);
    }
    return { companyId, pricelistId: pricelist.id, taxIds };
  }
}
