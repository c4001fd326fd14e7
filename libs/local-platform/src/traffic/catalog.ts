/**
 * The demo shop: a small catalog sold on every channel and the stock locations orders draw from.
 * Online orders reserve at order-ingest's default location; POS sales at the till's store location
 * (the store the launcher's dev POS key is bound to, see ../pos-key.ts).
 */
export interface CatalogItem {
  sku: string;
  name: string;
  /** Unit price, decimal string in the shop currency. */
  price: string;
}

export const DEMO_CURRENCY = 'EUR';

export const DEMO_CATALOG: readonly CatalogItem[] = [
  { sku: 'DEMO-TEE-BLK-M', name: 'Organic Tee Black (M)', price: '24.90' },
  { sku: 'DEMO-TEE-WHT-L', name: 'Organic Tee White (L)', price: '24.90' },
  { sku: 'DEMO-HOODIE-GRY-M', name: 'Fleece Hoodie Grey (M)', price: '59.00' },
  { sku: 'DEMO-JEANS-IND-32', name: 'Selvedge Jeans Indigo (32)', price: '89.50' },
  { sku: 'DEMO-CAP-NAVY', name: 'Canvas Cap Navy', price: '19.99' },
  { sku: 'DEMO-SOCKS-3PK', name: 'Merino Socks (3-pack)', price: '14.95' },
  { sku: 'DEMO-MUG-ENAMEL', name: 'Enamel Mug', price: '9.50' },
  { sku: 'DEMO-TOTE-NAT', name: 'Cotton Tote Natural', price: '12.00' },
  { sku: 'DEMO-BEANIE-RED', name: 'Wool Beanie Red', price: '22.00' },
  { sku: 'DEMO-SCARF-CHK', name: 'Check Scarf', price: '34.90' },
  { sku: 'DEMO-BOTTLE-750', name: 'Steel Bottle 750 ml', price: '27.45' },
  { sku: 'DEMO-SNEAKER-42', name: 'Canvas Sneaker (42)', price: '74.99' },
];

/** order-ingest's DEFAULT_LOCATION_ID: where web-shop orders reserve stock. */
export const ONLINE_LOCATION = 'online';
/** The store the launcher's development POS key belongs to. */
export const DEMO_STORE = { estate: 'demo-stores', store: 'berlin-01', location: 'store-berlin-01' } as const;
export const STORE_LOCATION = DEMO_STORE.location;
export const DEMO_LOCATIONS: readonly string[] = [ONLINE_LOCATION, STORE_LOCATION];

export class UnknownSkuError extends Error {
  constructor(readonly sku: string) {
    super(`SKU '${sku}' is not in the demo catalog`);
    this.name = 'UnknownSkuError';
  }
}

export function catalogItem(sku: string): CatalogItem {
  const item = DEMO_CATALOG.find((c) => c.sku === sku);
  if (!item) throw new UnknownSkuError(sku);
  return item;
}

/**
 * Adds the catalog to the Odoo simulator (`POST /__sim/seed/products`) so odoo-writer finds every
 * SKU by default_code. Products already there are left alone, so a second run adds nothing.
 * Returns the SKUs that were added.
 */
export async function seedOdooProducts(odooUrl: string, catalog: readonly CatalogItem[] = DEMO_CATALOG, qtyEach = 10_000): Promise<string[]> {
  const existing = await fetch(new URL('/__sim/records/product.product', odooUrl));
  if (!existing.ok) throw new Error(`Odoo simulator: GET /__sim/records/product.product answered ${existing.status}`);
  const known = new Set(((await existing.json()) as Array<{ default_code?: unknown }>).map((p) => p.default_code));
  const missing = catalog.filter((c) => !known.has(c.sku));
  if (missing.length === 0) return [];
  const products = missing.map((c) => ({ default_code: c.sku, name: c.name, lst_price: Number(c.price), qty: qtyEach }));
  const res = await fetch(new URL('/__sim/seed/products', odooUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ products }),
  });
  if (!res.ok) throw new Error(`Odoo simulator: POST /__sim/seed/products answered ${res.status}: ${await res.text()}`);
  return missing.map((c) => c.sku);
}
