import type { ModelDef } from '../model';

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
