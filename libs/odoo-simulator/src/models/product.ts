import { round2, type ModelDef } from '../model';
import { validationError } from '../odoo-exceptions';
import * as orm from '../orm';

/**
 * product.template holds what variants share (name, list_price, type, taxes); product.product
 * delegates to it with `_inherits = {'product.template': 'product_tmpl_id'}`, so every template
 * field can be given to product.product's create, read, search and write.
 */
export const productTemplate: ModelDef = {
  name: 'product.template',
  description: 'Product',
  order: 'is_favorite desc, name, id',
  fields: {
    name: { type: 'char', string: 'Name', required: true },
    list_price: { type: 'float', string: 'Sales Price', default: 1.0 },
    type: { type: 'selection', string: 'Product Type', selection: ['consu', 'service', 'combo'], default: 'consu', required: true },
    is_storable: { type: 'boolean', string: 'Track Inventory', default: false },
    is_favorite: { type: 'boolean', string: 'Favorite', default: false },
    sale_ok: { type: 'boolean', string: 'Can be Sold', default: true },
    purchase_ok: { type: 'boolean', string: 'Can be Purchased', default: true },
    description_sale: { type: 'text', string: 'Sales Description' },
    taxes_id: { type: 'many2many', string: 'Sales Taxes', relation: 'account.tax' },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    active: { type: 'boolean', string: 'Active', default: true },
    product_variant_ids: { type: 'one2many', string: 'Products', relation: 'product.product', inverse: 'product_tmpl_id' },
    currency_id: {
      type: 'many2one',
      string: 'Currency',
      relation: 'res.currency',
      compute: (env, row) => {
        const company = (row.company_id as number) || 1;
        return env.db.get('res.company', company)?.currency_id ?? false;
      },
    },
  },
  displayName: (_env, row) => String(row.name),
};

export const productProduct: ModelDef = {
  name: 'product.product',
  description: 'Product Variant',
  order: 'is_favorite desc, default_code, name, id',
  inherits: { 'product.template': 'product_tmpl_id' },
  fields: {
    product_tmpl_id: { type: 'many2one', string: 'Product Template', relation: 'product.template', required: true, ondelete: 'cascade' },
    default_code: { type: 'char', string: 'Internal Reference' },
    barcode: { type: 'char', string: 'Barcode' },
    standard_price: { type: 'float', string: 'Cost', default: 0 },
    price_extra: { type: 'float', string: 'Variant Price Extra', compute: () => 0 },
    lst_price: {
      type: 'float',
      string: 'Sales Price',
      compute: (env, row) => round2((orm.fieldValue(env, 'product.product', row, 'list_price') as number) + 0),
      // Odoo's _set_product_lst_price: the template's list_price takes the value minus price_extra
      setter: (env, id, value) => {
        const tmpl = orm.rowOf(env, 'product.product', id).product_tmpl_id as number;
        orm.write(env, 'product.template', [tmpl], { list_price: value });
      },
    },
    active: { type: 'boolean', string: 'Active', default: true },
    qty_available: {
      type: 'float',
      string: 'Quantity On Hand',
      compute: (env, row) =>
        [...env.db.table('stock.quant').values()]
          .filter((q) => q.product_id === row.id && env.db.get('stock.location', q.location_id as number)?.usage === 'internal')
          .reduce((sum, q) => sum + (q.quantity as number), 0),
    },
  },
  displayName: (env, row) => {
    const name = String(orm.fieldValue(env, 'product.product', row, 'name'));
    return row.default_code ? `[${String(row.default_code)}] ${name}` : name;
  },
  check(env, id) {
    const barcode = env.db.get('product.product', id)?.barcode;
    if (!barcode) return;
    const clash = [...env.db.table('product.product').values()].find((p) => p.id !== id && p.barcode === barcode);
    if (clash) {
      const name = String(orm.fieldValue(env, 'product.product', clash, 'name'));
      throw validationError(`Barcode(s) already assigned:\n\n- Barcode "${String(barcode)}" already assigned to product(s): ${name}`);
    }
  },
};
