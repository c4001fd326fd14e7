import { ErrorCode } from '../protocol/errors';

/** Batches remembered per producer and partition for duplicate detection, as in Kafka. */
const REMEMBERED_BATCHES = 5;

interface SentBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

interface SequenceState {
  epoch: number;
  recent: SentBatch[];
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'error'; errorCode: number };

/** Idempotent-producer bookkeeping: per (producerId, partition) sequence numbers. */
export class ProducerStates {
  private nextId: number;
  /** Ids below this were handed out by an earlier run of the broker. */
  private readonly firstId: number;
  private readonly states = new Map<string, SequenceState>();

  constructor(now = Date.now()) {
    // Ids from a clock keep a restarted broker from handing out an id a live producer still holds.
    this.nextId = now * 16;
    this.firstId = this.nextId;
  }

  allocate(): { producerId: number; producerEpoch: number } {
    return { producerId: this.nextId++, producerEpoch: 0 };
  }

  private static key(producerId: number, topic: string, partition: number): string {
    return `${producerId}\u0000${topic}\u0000${partition}`;
  }

  check(producerId: number, epoch: number, topic: string, partition: number, firstSeq: number, count: number): SequenceCheck {
    const state = this.states.get(ProducerStates.key(producerId, topic, partition));
    const lastSeq = firstSeq + count - 1;
    if (!state || epoch > state.epoch) {
      if (firstSeq === 0) return { kind: 'append' };
      // A producer of an earlier broker run: its sequence state was kept in memory only, so the
      // broker takes the sequence up where the producer is, as Kafka does once a producer's state
      // has expired. Refusing it left every idempotent producer failing forever after a restart.
      if (!state && producerId < this.firstId) return { kind: 'append' };
      return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    }
    if (epoch < state.epoch) return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
    const dup = state.recent.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', baseOffset: dup.baseOffset };
    const expected = (state.recent.at(-1)!.lastSeq + 1) % 2 ** 31;
    if (firstSeq !== expected) return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    return { kind: 'append' };
  }

  record(producerId: number, epoch: number, topic: string, partition: number, firstSeq: number, count: number, baseOffset: number): void {
    const key = ProducerStates.key(producerId, topic, partition);
    let state = this.states.get(key);
    if (!state || epoch > state.epoch) {
      state = { epoch, recent: [] };
      this.states.set(key, state);
    }
    state.recent.push({ firstSeq, lastSeq: firstSeq + count - 1, baseOffset });
    if (state.recent.length > REMEMBERED_BATCHES) state.recent.shift();
  }
}
