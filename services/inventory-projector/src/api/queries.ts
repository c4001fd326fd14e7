import type { Pool } from 'pg';
import type { OversellPolicy } from '../domain/types';

export interface LocationAvailability {
  locationId: string;
  onHand: number;
  reserved: number;
  /** onHand - reserved; below zero only where the location's policy allows backorders. */
  available: number;
  version: number;
  updatedAt: string;
}

interface Row {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  version: string;
  updated_at: Date;
  policy: OversellPolicy | null;
}

/** Availability per SKU (each SKU's locations ordered by location id). */
export interface AvailabilitySource {
  bySku(sku: string, location: string | null): Promise<LocationAvailability[]>;
  /** SKUs without a (matching) row are absent from the map. */
  batch(skus: string[], locations: string[] | null): Promise<Map<string, LocationAvailability[]>>;
}

/**
 * Named statements: pg prepares each once per connection, so a hot API call is one round trip on
 * the stock primary key (sku, location_id).
 */
export class AvailabilityQueries implements AvailabilitySource {
  private readonly bySkuText: string;
  private readonly batchText: string;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly defaultPolicy: OversellPolicy,
  ) {
    const s = `"${schema}"`;
    const columns = `s.sku, s.location_id, s.on_hand, s.reserved, s.version, s.updated_at, p.policy
      FROM ${s}.stock s LEFT JOIN ${s}.oversell_policy p ON p.location_id = s.location_id`;
    this.bySkuText = `SELECT ${columns} WHERE s.sku = $1 AND ($2::text IS NULL OR s.location_id = $2) ORDER BY s.location_id`;
    this.batchText = `SELECT ${columns} WHERE s.sku = ANY($1::text[]) AND ($2::text[] IS NULL OR s.location_id = ANY($2::text[])) ORDER BY s.sku, s.location_id`;
  }

  private toAvailability(row: Row): LocationAvailability {
    const raw = row.on_hand - row.reserved;
    const policy = row.policy ?? this.defaultPolicy;
    return {
      locationId: row.location_id,
      onHand: row.on_hand,
      reserved: row.reserved,
      available: policy === 'backorder' ? raw : Math.max(0, raw),
      version: Number(row.version),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  async bySku(sku: string, location: string | null): Promise<LocationAvailability[]> {
    const result = await this.pool.query<Row>({ name: `${this.schema}-availability-by-sku`, text: this.bySkuText, values: [sku, location] });
    return result.rows.map((row) => this.toAvailability(row));
  }

  async batch(skus: string[], locations: string[] | null): Promise<Map<string, LocationAvailability[]>> {
    const result = await this.pool.query<Row>({ name: `${this.schema}-availability-batch`, text: this.batchText, values: [skus, locations] });
    const bySku = new Map<string, LocationAvailability[]>();
    for (const row of result.rows) {
      const list = bySku.get(row.sku) ?? [];
      list.push(this.toAvailability(row));
      bySku.set(row.sku, list);
    }
    return bySku;
  }
}
