export interface CapacitySettings {
  /** Concurrent calls served; the rest wait in a queue, like requests waiting for an Odoo worker. */
  workers: number;
  /** Service time of any call. */
  perCallMs: number;
  /** Extra service time per record created, written or read. */
  perRecordMs: number;
}

/** A pool of simulated Odoo workers: service time is spent holding a worker. */
export class WorkerPool {
  private active = 0;
  private waiting: Array<() => void> = [];
  maxActive = 0;
  maxQueued = 0;

  constructor(public settings: CapacitySettings) {}

  get busy(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async acquire(): Promise<() => void> {
    if (this.active >= this.settings.workers) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.maxQueued = Math.max(this.maxQueued, this.waiting.length);
      });
    } else {
      this.active += 1;
    }
    this.maxActive = Math.max(this.maxActive, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // the slot passes straight to the next waiter, so `active` stays the same
      if (next) next();
      else this.active -= 1;
    };
  }

  costMs(records: number): number {
    return this.settings.perCallMs + this.settings.perRecordMs * records;
  }

  /** More workers may free queued requests at once. */
  resize(settings: CapacitySettings): void {
    this.settings = settings;
    while (this.waiting.length && this.active < this.settings.workers) {
      this.active += 1;
      this.waiting.shift()!();
    }
  }

  resetCounters(): void {
    this.maxActive = this.active;
    this.maxQueued = this.waiting.length;
  }
}
