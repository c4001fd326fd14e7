import type { Logger } from '../logger';

export type Hook = () => Promise<void> | void;

interface NamedHook {
  name: string;
  hook: Hook;
}

export interface LifecycleOptions {
  logger: Logger;
  shutdownTimeoutMs?: number;
  /** Called after a signal-triggered shutdown; defaults to process.exit. */
  exit?: (code: number) => void;
}

/**
 * Ordered start hooks and reverse-ordered stop hooks. A failing start stops what already
 * started; SIGINT/SIGTERM run the stop hooks once, bounded by a timeout.
 */
export class Lifecycle {
  private readonly starts: NamedHook[] = [];
  private readonly stops: NamedHook[] = [];
  private stopping: Promise<void> | undefined;
  private readonly signalHandler = (signal: NodeJS.Signals) => void this.onSignal(signal);

  constructor(private readonly options: LifecycleOptions) {}

  onStart(name: string, hook: Hook): this {
    this.starts.push({ name, hook });
    return this;
  }

  onStop(name: string, hook: Hook): this {
    this.stops.push({ name, hook });
    return this;
  }

  async start(): Promise<void> {
    for (const { name, hook } of this.starts) {
      try {
        await hook();
        this.options.logger.debug('started', { component: name });
      } catch (error) {
        this.options.logger.error('start failed, stopping', { component: name, error });
        await this.stop();
        throw error;
      }
    }
  }

  /** Subscribes to SIGINT/SIGTERM. */
  handleSignals(): this {
    process.once('SIGINT', this.signalHandler);
    process.once('SIGTERM', this.signalHandler);
    return this;
  }

  stop(): Promise<void> {
    this.stopping ??= this.runStops();
    return this.stopping;
  }

  private async runStops(): Promise<void> {
    process.off('SIGINT', this.signalHandler);
    process.off('SIGTERM', this.signalHandler);
    for (const { name, hook } of [...this.stops].reverse()) {
      try {
        await hook();
      } catch (error) {
        this.options.logger.error('stop hook failed', { component: name, error });
      }
    }
  }

  private async onSignal(signal: NodeJS.Signals): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs ?? 15_000;
    this.options.logger.info('shutting down', { signal, timeout_ms: timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    const outcome = await Promise.race([this.stop().then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.options.logger.error('shutdown timed out', { timeout_ms: timeoutMs });
    (this.options.exit ?? process.exit)(outcome === 'done' ? 0 : 1);
  }
}
