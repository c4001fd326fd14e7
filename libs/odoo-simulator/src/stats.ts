/** Counters that benchmarks and tests read: what reached the simulated Odoo, and how hard. */
export class CallStats {
  private byKey = new Map<string, number>();
  private perSecond = new Map<number, number>();
  inFlight = 0;
  maxInFlight = 0;
  total = 0;

  enter(model: string, method: string): () => void {
    const key = `${model}/${method}`;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    const second = Math.floor(Date.now() / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
    for (const s of this.perSecond.keys()) if (s < second - 600) this.perSecond.delete(s);
    this.total += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    return () => {
      if (!done) this.inFlight -= 1;
      done = true;
    };
  }

  count(model: string, method: string): number {
    return this.byKey.get(`${model}/${method}`) ?? 0;
  }

  snapshot(windowSeconds = 10) {
    const now = Math.floor(Date.now() / 1000);
    let inWindow = 0;
    for (const [s, n] of this.perSecond) if (s > now - windowSeconds) inWindow += n;
    return {
      total: this.total,
      calls: Object.fromEntries(this.byKey),
      inFlight: this.inFlight,
      maxConcurrency: this.maxInFlight,
      callsPerSecond: inWindow / windowSeconds,
      windowSeconds,
      perSecond: [...this.perSecond.entries()].sort((a, b) => a[0] - b[0]).map(([second, count]) => ({ second, count })),
    };
  }

  reset(): void {
    this.byKey.clear();
    this.perSecond.clear();
    this.total = 0;
    this.maxInFlight = this.inFlight;
  }
}
