import type { AvailabilitySource, LocationAvailability } from './queries';

/** One read of some SKUs (all their locations) that may be cached once it completes. */
interface Load {
  epoch: number;
  /** SKUs a change notification arrived for while the read was running: their result is not cached. */
  stale: Set<string> | 'all';
  result: Promise<Map<string, LocationAvailability[]>>;
}

function filtered(list: LocationAvailability[], locations: string[] | null): LocationAvailability[] {
  return locations === null ? list : list.filter((l) => locations.includes(l.locationId));
}

/**
 * Serves availability from memory per SKU (all locations; at most `maxEntries` SKUs, oldest out
 * first). An entry is dropped when Postgres notifies that a committed statement changed that SKU's
 * rows (trigger on `stock`, see db/schema.ts, fed in by the service's LISTEN connection), and a read is cached
 * only if no notification for its SKU arrived while it ran: an entry never outlives a change by
 * more than the notification's delivery. While the feed is down nothing is cached.
 */
export class AvailabilityCache implements AvailabilitySource {
  private readonly entries = new Map<string, LocationAvailability[]>();
  private readonly loading = new Map<string, Load>();
  private live = false;
  /** Changes when the change feed starts or ends: reads begun under another feed are not cached. */
  private epoch = 0;

  constructor(
    private readonly source: AvailabilitySource,
    private readonly maxEntries: number,
  ) {}

  /** The change feed is live: reads begun from now on may be cached. */
  listening(): void {
    this.epoch += 1;
    this.live = true;
  }

  /** The change feed is gone: nothing is cached until it is live again. */
  lost(): void {
    this.live = false;
    this.epoch += 1;
    this.dropAll();
  }

  private dropAll(): void {
    this.entries.clear();
    for (const load of this.loading.values()) load.stale = 'all';
    this.loading.clear();
  }

  /** A notification payload: a JSON array of SKUs whose rows changed, or '*' for anything. */
  changed(payload: string | undefined): void {
    let skus: unknown;
    try {
      skus = payload === '*' || payload === undefined ? '*' : JSON.parse(payload);
    } catch {
      skus = '*';
    }
    if (!Array.isArray(skus)) {
      this.dropAll();
      return;
    }
    for (const sku of skus) {
      if (typeof sku !== 'string') continue;
      this.entries.delete(sku);
      const load = this.loading.get(sku);
      if (!load) continue;
      if (load.stale !== 'all') load.stale.add(sku);
      this.loading.delete(sku);
    }
  }

  async bySku(sku: string, location: string | null): Promise<LocationAvailability[]> {
    const cached = this.entries.get(sku);
    if (cached) return location === null ? cached : filtered(cached, [location]);
    const found = await this.read([sku]);
    return filtered(found.get(sku) ?? [], location === null ? null : [location]);
  }

  async batch(skus: string[], locations: string[] | null): Promise<Map<string, LocationAvailability[]>> {
    const found = await this.read(skus);
    const out = new Map<string, LocationAvailability[]>();
    for (const sku of skus) {
      const list = filtered(found.get(sku) ?? [], locations);
      if (list.length > 0) out.set(sku, list);
    }
    return out;
  }

  /** All locations of `skus`: from memory, from a read already running, or one new read for the rest. */
  private async read(skus: string[]): Promise<Map<string, LocationAvailability[]>> {
    if (!this.live || this.maxEntries <= 0) return this.source.batch(skus, null);
    const out = new Map<string, LocationAvailability[]>();
    const waiting: Array<Promise<void>> = [];
    const missing: string[] = [];
    for (const sku of skus) {
      const cached = this.entries.get(sku);
      if (cached) out.set(sku, cached);
      else {
        const running = this.loading.get(sku);
        if (running) waiting.push(running.result.then((found) => void out.set(sku, found.get(sku) ?? [])));
        else missing.push(sku);
      }
    }
    if (missing.length > 0) {
      const load: Load = { epoch: this.epoch, stale: new Set(), result: this.source.batch(missing, null) };
      for (const sku of missing) this.loading.set(sku, load);
      waiting.push(
        load.result.then(
          (found) => {
            for (const sku of missing) {
              const list = found.get(sku) ?? [];
              out.set(sku, list);
              if (this.loading.get(sku) === load) this.loading.delete(sku);
              if (load.stale !== 'all' && !load.stale.has(sku) && load.epoch === this.epoch && this.live) this.remember(sku, list);
            }
          },
          (error: unknown) => {
            for (const sku of missing) if (this.loading.get(sku) === load) this.loading.delete(sku);
            throw error;
          },
        ),
      );
    }
    await Promise.all(waiting);
    return out;
  }

  /** Unknown SKUs are not kept: random SKUs would otherwise push real entries out. */
  private remember(sku: string, list: LocationAvailability[]): void {
    if (list.length === 0) return;
    this.entries.set(sku, list);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
