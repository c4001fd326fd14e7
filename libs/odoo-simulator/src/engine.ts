import { ACTIVITY_TYPES } from './models/mail';
import { Database, type Row } from './database';
import { checkKeywords } from './methods';
import { formatDatetime, type Env, type MethodDef, type ModelDef } from './model';
import { buildRegistry } from './models';
import { notFound, pythonError } from './odoo-exceptions';
import * as orm from './orm';

export interface SeedProduct {
  default_code: string;
  name: string;
  lst_price: number;
  active?: boolean;
  barcode?: string;
  /** 'service' for what is sold but never delivered (shipping, discounts): not storable, no stock. */
  type?: 'consu' | 'service';
  /** Quantity on hand in WH/Stock. */
  qty?: number;
}

export const DEFAULT_PRODUCTS: readonly SeedProduct[] = [
  { default_code: 'RB-TSHIRT-S', name: 'Organic T-Shirt (S)', lst_price: 19.9, qty: 100 },
  { default_code: 'RB-TSHIRT-M', name: 'Organic T-Shirt (M)', lst_price: 19.9, qty: 100 },
  { default_code: 'RB-MUG', name: 'Enamel Mug', lst_price: 9.5, qty: 250 },
  { default_code: 'RB-CAP', name: 'Canvas Cap', lst_price: 14, qty: 40 },
  { default_code: 'RB-POSTER-OLD', name: 'Poster (discontinued)', lst_price: 5, active: false, qty: 0 },
];

export interface CallResult {
  result: unknown;
  records: number;
}

/** The simulated database and the model methods; knows nothing of HTTP. */
export class OdooEngine {
  readonly db = new Database();
  readonly models: Map<string, ModelDef> = buildRegistry();

  /** Odoo's clock minus the host's: lets tests give the simulated server a skewed clock. */
  clockOffsetMs = 0;

  constructor(readonly uid: number) {
    this.db.stamp = () => ({ uid: this.uid, at: formatDatetime(this.now()) });
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  env(context: Record<string, unknown> = {}): Env {
    return { db: this.db, models: this.models, uid: this.uid, context, now: () => this.now() };
  }

  /** Resolves model and method as the JSON-2 controller does: unknown or private names are 404s. */
  method(model: string, method: string): MethodDef {
    const def = this.models.get(model);
    if (!def) throw notFound(`the model '${model}' does not exist`);
    const found = method.startsWith('_') ? undefined : def.methods?.[method];
    if (!found) throw notFound(`the method '${method}' does not exist on model '${model}'`);
    return found;
  }

  execute(model: string, method: string, ids: number[], kwargs: Record<string, unknown>): CallResult {
    const def = this.method(model, method);
    const { context, ...named } = kwargs;
    if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
      throw pythonError('TypeError', 'context must be a dictionary', 422);
    }
    checkKeywords(def, named, method);
    const env = this.env((context as Record<string, unknown>) ?? {});
    const result = this.db.transaction(() => def.run(env, ids, named));
    return { result, records: def.records?.(ids, named, result) ?? Math.max(1, ids.length) };
  }

  reset(seed: boolean | readonly SeedProduct[]): void {
    this.db.clear();
    const env = this.env();
    this.db.transaction(() => this.seedBase(env));
    if (seed) this.seedProducts(seed === true ? DEFAULT_PRODUCTS : seed);
  }

  /** What a fresh database with sale and stock installed holds (ids as in Odoo: admin is uid 2). */
  private seedBase(env: Env): void {
    orm.create(env, 'res.users', [
      { name: 'OdooBot', login: '__system__', active: false },
      { name: 'Mitchell Admin', login: 'admin' },
    ]);
    orm.create(env, 'res.currency', [
      { name: 'EUR', symbol: '€' },
      { name: 'USD', symbol: '$' },
      { name: 'GBP', symbol: '£' },
    ]);
    orm.create(env, 'res.country', [
      { name: 'Belgium', code: 'BE' },
      { name: 'France', code: 'FR' },
      { name: 'United Kingdom', code: 'GB' },
      { name: 'India', code: 'IN' },
    ]);
    const [partner] = orm.create(env, 'res.partner', [{ name: 'My Company', is_company: true }]);
    orm.create(env, 'res.company', [{ name: 'My Company', partner_id: partner, currency_id: 1 }]);
    orm.create(env, 'product.pricelist', [{ name: 'Default', currency_id: 1, company_id: 1 }]);
    // no chart of accounts is installed, so the company has no default sales tax: products get none
    orm.create(env, 'account.tax', [
      { name: '15%', amount: 15, type_tax_use: 'sale' },
      { name: '21% incl.', amount: 21, type_tax_use: 'sale', price_include_override: 'tax_included' },
    ]);
    orm.create(env, 'mail.activity.type', ACTIVITY_TYPES.map((t) => ({ name: t.name })));
    orm.create(env, 'stock.location', [
      { complete_name: 'WH/Stock', usage: 'internal' },
      { complete_name: 'Partners/Customers', usage: 'customer' },
      { complete_name: 'Virtual Locations/Inventory adjustment', usage: 'inventory' },
      { complete_name: 'Partners/Vendors', usage: 'supplier' },
      { complete_name: 'Virtual Locations/Scrap', usage: 'inventory' },
    ]);
  }

  seedProducts(products: readonly SeedProduct[]): number[] {
    const env = this.env({ inventory_mode: true });
    return this.db.transaction(() =>
      products.map((p) => {
        const { qty, ...vals } = p;
        const [id] = orm.create(env, 'product.product', [{ is_storable: vals.type !== 'service', ...vals } as unknown as Record<string, unknown>]);
        if (qty) {
          const [quant] = orm.create(env, 'stock.quant', [{ product_id: id, inventory_quantity: qty }]);
          this.models.get('stock.quant')!.methods!.action_apply_inventory!.run(env, [quant!], {});
        }
        return id!;
      }),
    );
  }

  /** Stored rows of a model, for test inspection (raw values, not the RPC export format). */
  records(model: string): Row[] {
    if (!this.models.has(model)) throw notFound(`the model '${model}' does not exist`);
    return [...this.db.table(model).values()].map((r) => ({ ...r }));
  }
}
