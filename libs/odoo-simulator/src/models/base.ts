import type { ModelDef } from '../model';
import { validationError } from '../odoo-exceptions';

export const resPartner: ModelDef = {
  name: 'res.partner',
  description: 'Contact',
  order: 'name, id',
  fields: {
    name: { type: 'char', string: 'Name', required: true },
    is_company: { type: 'boolean', string: 'Is a Company', default: false },
    email: { type: 'char', string: 'Email' },
    phone: { type: 'char', string: 'Phone' },
    ref: { type: 'char', string: 'Reference' },
    street: { type: 'char', string: 'Street' },
    street2: { type: 'char', string: 'Street2' },
    city: { type: 'char', string: 'City' },
    zip: { type: 'char', string: 'Zip' },
    country_id: { type: 'many2one', string: 'Country', relation: 'res.country' },
    comment: { type: 'text', string: 'Notes' },
    customer_rank: { type: 'integer', string: 'Customer Rank', default: 0 },
    parent_id: { type: 'many2one', string: 'Related Company', relation: 'res.partner' },
    active: { type: 'boolean', string: 'Active', default: true },
  },
  displayName: (_env, row) => String(row.name ?? ''),
};

export const productProduct: ModelDef = {
  name: 'product.product',
  description: 'Product Variant',
  order: 'default_code, name, id',
  fields: {
    name: { type: 'char', string: 'Name', required: true },
    default_code: { type: 'char', string: 'Internal Reference' },
    barcode: { type: 'char', string: 'Barcode' },
    lst_price: { type: 'float', string: 'Sales Price', default: 1.0 },
    standard_price: { type: 'float', string: 'Cost', default: 0 },
    type: { type: 'selection', string: 'Product Type', selection: ['consu', 'service', 'combo'], default: 'consu' },
    is_storable: { type: 'boolean', string: 'Track Inventory', default: true },
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
  displayName: (_env, row) => (row.default_code ? `[${String(row.default_code)}] ${String(row.name)}` : String(row.name)),
  check(env, id) {
    const barcode = env.db.get('product.product', id)?.barcode;
    if (!barcode) return;
    const clash = [...env.db.table('product.product').values()].find((p) => p.id !== id && p.barcode === barcode);
    if (clash) {
      throw validationError(`Barcode(s) already assigned:\n\n- Barcode "${String(barcode)}" already assigned to product(s): ${String(clash.name)}`);
    }
  },
};

export const stockLocation: ModelDef = {
  name: 'stock.location',
  description: 'Inventory Locations',
  order: 'complete_name, id',
  fields: {
    complete_name: { type: 'char', string: 'Full Location Name', required: true },
    usage: {
      type: 'selection',
      string: 'Location Type',
      selection: ['supplier', 'view', 'internal', 'customer', 'inventory', 'production', 'transit'],
      default: 'internal',
      required: true,
    },
    active: { type: 'boolean', string: 'Active', default: true },
  },
  displayName: (_env, row) => String(row.complete_name),
};

export const resCountry: ModelDef = {
  name: 'res.country',
  description: 'Country',
  order: 'name, id',
  fields: {
    name: { type: 'char', string: 'Country Name', required: true },
    code: { type: 'char', string: 'Country Code', required: true },
  },
  displayName: (_env, row) => String(row.name),
};
