import { context, SpanStatusCode, trace, type Context, type Link } from '@opentelemetry/api';

const tracer = trace.getTracer('@retail-backbone/odoo-writer');

export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Settles a promise into an ItemResult. */
export function settle<R>(promise: Promise<R>): Promise<ItemResult<R>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

export interface CoalescerOptions<I, R> {
  /** How long the first item of a batch waits for company. */
  windowMs: number;
  maxBatch: number;
  /** Handles a batch; a rejection fails every item of it. */
  flush: (items: I[]) => Promise<Array<ItemResult<R>>>;
  onBatch?: (size: number) => void;
  /** Name of the span around each batch. */
  spanName: string;
}

interface Waiting<I, R> {
  item: I;
  /** The submitter's trace context: the batch span links to every item's trace. */
  context: Context;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers items submitted by concurrent callers (the transactions of the Kafka partitions being
 * consumed, each with its OrderPlaced events) into batches and runs one batch at a time. Items arriving while a batch is in flight form the next
 * one, so batches grow with load instead of calls.
 */
export class Coalescer<I, R> {
  private queue: Array<Waiting<I, R>> = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;

  constructor(private readonly options: CoalescerOptions<I, R>) {
    if (!(options.maxBatch >= 1)) throw new TypeError('Coalescer: maxBatch must be at least 1');
    if (!(options.windowMs >= 0)) throw new TypeError('Coalescer: windowMs must not be negative');
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, context: context.active() });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.run();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.options.windowMs);
  }

  private async run(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.options.onBatch?.(batch.length);
    try {
      const results = await this.traced(batch, () => this.options.flush(batch.map((w) => w.item)));
      batch.forEach((w, i) => {
        const result = results[i];
        if (!result) w.reject(new Error('coalescer: flush returned no result for an item'));
        else if (result.ok) w.resolve(result.value);
        else w.reject(result.error);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      this.flushing = false;
      // Whatever queued meanwhile has already waited a whole batch: go now.
      if (this.queue.length > 0) setImmediate(() => void this.run());
    }
  }

  /**
   * One batch serves several orders, each with its own trace: the batch span is a child of the
   * first item's trace and links to every item's, so each order's trace leads to its Odoo calls.
   */
  private traced<T>(batch: Array<Waiting<I, R>>, fn: () => Promise<T>): Promise<T> {
    const links: Link[] = batch.flatMap((w) => {
      const spanContext = trace.getSpanContext(w.context);
      return spanContext ? [{ context: spanContext }] : [];
    });
    const parent = batch[0]?.context ?? context.active();
    return tracer.startActiveSpan(this.options.spanName, { links, attributes: { 'messaging.batch.message_count': batch.length } }, parent, async (span) => {
      try {
        return await fn();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', error instanceof Error ? error.name : 'unknown');
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
