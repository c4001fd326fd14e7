import { AvailabilityCache } from '../src/api/availability-cache';
import type { AvailabilitySource, LocationAvailability } from '../src/api/queries';

const at = (locationId: string, onHand: number, version = 1): LocationAvailability => ({
  locationId,
  onHand,
  reserved: 0,
  available: onHand,
  version,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** A database stand-in whose reads can be held open, to interleave notifications with them. */
class FakeSource implements AvailabilitySource {
  rows = new Map<string, LocationAvailability[]>();
  reads: string[][] = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async bySku(): Promise<LocationAvailability[]> {
    throw new Error('the cache reads through batch');
  }

  async batch(skus: string[], locations: string[] | null): Promise<Map<string, LocationAvailability[]>> {
    expect(locations).toBeNull();
    this.reads.push(skus);
    const snapshot = new Map(skus.flatMap((s) => (this.rows.has(s) ? [[s, this.rows.get(s)!] as const] : [])));
    await this.gate;
    return snapshot;
  }
}

function setup(maxEntries = 100) {
  const source = new FakeSource();
  source.rows.set('A', [at('l1', 5), at('l2', 7)]);
  source.rows.set('B', [at('l1', 1)]);
  const cache = new AvailabilityCache(source, maxEntries);
  cache.listening();
  return { source, cache };
}

describe('AvailabilityCache', () => {
  it('serves repeated reads of known SKUs from memory (unknown ones from the database), filters locations, and re-reads a SKU once notified', async () => {
    const { source, cache } = setup();
    expect(await cache.bySku('A', null)).toEqual([at('l1', 5), at('l2', 7)]);
    expect(await cache.bySku('A', 'l2')).toEqual([at('l2', 7)]);
    expect(await cache.bySku('nope', null)).toEqual([]);
    expect(await cache.bySku('nope', null)).toEqual([]);
    expect(source.reads).toEqual([['A'], ['nope'], ['nope']]);
    source.rows.set('A', [at('l1', 4, 2), at('l2', 7)]);
    cache.changed('["A","C"]');
    expect(await cache.bySku('A', 'l1')).toEqual([at('l1', 4, 2)]);
    expect(source.reads).toEqual([['A'], ['nope'], ['nope'], ['A']]);
  });

  it('does not keep a read that a notification for its SKU overtook', async () => {
    const { source, cache } = setup();
    source.hold();
    const first = cache.bySku('A', null);
    await Promise.resolve();
    source.rows.set('A', [at('l1', 0, 2)]);
    cache.changed('["A"]'); // committed after the read's snapshot
    source.release();
    expect(await first).toEqual([at('l1', 5), at('l2', 7)]);
    expect(await cache.bySku('A', null)).toEqual([at('l1', 0, 2)]);
    expect(source.reads).toHaveLength(2);
  });

  it('shares a running read between callers, and batches only the missing SKUs', async () => {
    const { source, cache } = setup();
    await cache.bySku('B', null);
    source.hold();
    const one = cache.batch(['A', 'B', 'X'], ['l1']);
    const two = cache.bySku('A', null);
    source.release();
    expect(await one).toEqual(new Map([['A', [at('l1', 5)]], ['B', [at('l1', 1)]]]));
    expect(await two).toEqual([at('l1', 5), at('l2', 7)]);
    expect(source.reads).toEqual([['B'], ['A', 'X']]);
  });

  it('caches nothing while the change feed is down, and drops everything on "*"', async () => {
    const { source, cache } = setup();
    await cache.bySku('A', null);
    cache.changed('*');
    await cache.bySku('A', null);
    expect(source.reads).toHaveLength(2);
    cache.lost();
    await cache.bySku('A', null);
    await cache.bySku('A', null);
    expect(source.reads).toHaveLength(4);
    source.hold();
    cache.listening();
    const read = cache.bySku('A', null);
    await Promise.resolve();
    cache.lost(); // the feed dropped while the read ran: a missed notification is possible
    cache.listening();
    source.release();
    await read;
    await cache.bySku('A', null);
    expect(source.reads).toHaveLength(6);
  });

  it('keeps at most maxEntries SKUs', async () => {
    const { source, cache } = setup(1);
    await cache.bySku('A', null);
    await cache.bySku('B', null);
    await cache.bySku('B', null);
    await cache.bySku('A', null);
    expect(source.reads).toEqual([['A'], ['B'], ['A']]);
  });
});
