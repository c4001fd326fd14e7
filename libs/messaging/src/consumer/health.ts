import type { Logger } from '@retail-backbone/observability';
import type { Consumer } from 'kafkajs';
import { errorMessage } from '../errors';

export interface ConsumerHealthOptions {
  consumer: Consumer;
  groupId: string;
  logger: Logger;
  /** No fetch, heartbeat or batch progress for this long means the consumer is stalled (default 20 s). */
  stalledAfterMs?: number;
}

export interface ConsumerHealthState {
  ready: boolean;
  /** Why not ready; absent when ready. */
  reason?: string;
  /** True once kafkajs crashed without restarting: only a process restart brings it back. */
  dead: boolean;
}

/**
 * Watches a kafkajs consumer through its instrumentation events and the runner's own progress
 * marks. Not ready while: not (yet) running, crashed (kafkajs CRASH; with restart it comes back
 * at its next fetch), or stalled: no fetch, heartbeat or batch progress for `stalledAfterMs`, or
 * one batch making no progress that long (a handler that never returns).
 */
export class ConsumerHealth {
  private readonly stalledAfterMs: number;
  private running = false;
  private crashed: { error: string; restart: boolean } | undefined;
  private lastActivityAt = 0;
  private readonly batches = new Map<symbol, number>();
  private readonly removers: Array<() => void> = [];

  constructor(private readonly options: ConsumerHealthOptions) {
    this.stalledAfterMs = options.stalledAfterMs ?? 20_000;
    const { consumer } = options;
    const { events } = consumer;
    const active = () => {
      this.lastActivityAt = Date.now();
      if (this.crashed?.restart) this.crashed = undefined;
    };
    for (const event of [events.FETCH_START, events.FETCH, events.HEARTBEAT, events.GROUP_JOIN, events.START_BATCH_PROCESS, events.END_BATCH_PROCESS]) {
      this.removers.push(consumer.on(event, active));
    }
    this.removers.push(
      consumer.on(events.CRASH, ({ payload }) => {
        const restart = Boolean((payload as { restart?: boolean }).restart);
        this.crashed = { error: errorMessage(payload.error), restart };
        options.logger.error(restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed and will not restart', {
          group: options.groupId,
          restart,
          error_message: this.crashed.error,
        });
      }),
    );
    this.removers.push(
      consumer.on(events.STOP, () => {
        if (this.running) options.logger.warn('consumer stopped', { group: options.groupId });
      }),
    );
  }

  started(): void {
    this.running = true;
    this.lastActivityAt = Date.now();
  }

  stopped(): void {
    this.running = false;
  }

  /** Marks a batch in the runner's hands; call the returned function on each step of progress and `done` at the end. */
  batchStarted(): { progress: () => void; done: () => void } {
    const token = Symbol('batch');
    this.batches.set(token, Date.now());
    this.lastActivityAt = Date.now();
    return {
      progress: () => {
        const now = Date.now();
        this.batches.set(token, now);
        this.lastActivityAt = now;
      },
      done: () => {
        this.batches.delete(token);
        this.lastActivityAt = Date.now();
      },
    };
  }

  state(now = Date.now()): ConsumerHealthState {
    const dead = Boolean(this.crashed && !this.crashed.restart);
    if (!this.running) return { ready: false, reason: 'consumer not running', dead };
    if (this.crashed) return { ready: false, reason: `consumer crashed: ${this.crashed.error}`, dead };
    const idle = now - this.lastActivityAt;
    if (idle > this.stalledAfterMs) return { ready: false, reason: `no fetch, heartbeat or progress for ${Math.round(idle / 1000)} s`, dead };
    for (const since of this.batches.values()) {
      if (now - since > this.stalledAfterMs) return { ready: false, reason: `a batch made no progress for ${Math.round((now - since) / 1000)} s`, dead };
    }
    return { ready: true, dead };
  }

  close(): void {
    for (const remove of this.removers.splice(0)) remove();
  }
}
