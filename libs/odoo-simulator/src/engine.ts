import { Database, type Row } from './database';
import { checkKeywords } from './methods';
import type { Env, MethodDef, ModelDef } from './model';
import { buildRegistry } from './models';
import { notFound, pythonError } from './odoo-exceptions';
import * as orm from './orm';

export interface SeedProduct {
  default_code: string;
  name: string;
  lst_price: number;
  active?: boolean;
  barcode?: string;
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

  constructor(readonly uid: number) {}

  env(context: Record<string, unknown> = {}): Env {
    return { db: this.db, models: this.models, uid: this.uid, context, now: () => new Date() };
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
    orm.create(env, 'res.country', [
      { name: 'Belgium', code: 'BE' },
      { name: 'France', code: 'FR' },
      { name: 'United Kingdom', code: 'GB' },
      { name: 'India', code: 'IN' },
    ]);
    orm.create(env, 'res.partner', [{ name: 'My Company', is_company: true }]);
    orm.create(env, 'stock.location', [
      { complete_name: 'WH/Stock', usage: 'internal' },
      { complete_name: 'Partners/Customers', usage: 'customer' },
      { complete_name: 'Virtual Locations/Inventory adjustment', usage: 'inventory' },
    ]);
    if (seed) this.seedProducts(seed === true ? DEFAULT_PRODUCTS : seed);
  }

  seedProducts(products: readonly SeedProduct[]): number[] {
    const env = this.env({ inventory_mode: true });
    return this.db.transaction(() =>
      products.map((p) => {
        const { qty, ...vals } = p;
        const [id] = orm.create(env, 'product.product', [vals as unknown as Record<string, unknown>]);
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
