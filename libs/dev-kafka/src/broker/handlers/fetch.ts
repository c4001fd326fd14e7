import { ErrorCode } from '../../protocol/errors';
import type { FetchRequest, FetchResponse } from '../../protocol/fetch';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/listOffsets';
import type { BrokerContext, Handler } from '../context';

const LATEST = -1;
const EARLIEST = -2;

function buildFetchResponse(req: FetchRequest, broker: BrokerContext): FetchResponse {
  let budget = req.maxBytes;
  return {
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const log = broker.topics.partition(t.name, p.partition);
        if (!log) {
          return { partition: p.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, batches: [] };
        }
        const read = budget > 0 ? log.read(p.fetchOffset, Math.min(p.partitionMaxBytes, budget)) : { errorCode: ErrorCode.NONE, batches: [] };
        for (const b of read.batches) budget -= b.length;
        // Without transactions every stored record is committed, so the stable offset is the high watermark.
        return {
          partition: p.partition,
          errorCode: read.errorCode,
          highWatermark: log.logEndOffset,
          lastStableOffset: log.logEndOffset,
          logStartOffset: log.logStartOffset,
          batches: read.batches,
        };
      }),
    })),
  };
}

function available(req: FetchRequest, broker: BrokerContext): { bytes: number; error: boolean } {
  let bytes = 0;
  let error = false;
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const log = broker.topics.partition(t.name, p.partition);
      if (!log || p.fetchOffset > log.logEndOffset || p.fetchOffset < log.logStartOffset) error = true;
      else bytes += log.availableBytes(p.fetchOffset);
    }
  }
  return { bytes, error };
}

/** Answers at once when minBytes are there (or a partition errs); otherwise waits for appends up to maxWait. */
export const handleFetch: Handler<FetchRequest, FetchResponse> = (req, broker) => {
  const now = available(req, broker);
  if (now.error || now.bytes >= Math.max(1, req.minBytes) || req.maxWaitMs <= 0) return buildFetchResponse(req, broker);
  return new Promise<FetchResponse>((resolve) => {
    const unsubscribes: (() => void)[] = [];
    const finish = () => {
      clearTimeout(timer);
      for (const u of unsubscribes) u();
      broker.pending.delete(finish);
      resolve(buildFetchResponse(req, broker));
    };
    const timer = setTimeout(finish, req.maxWaitMs);
    broker.pending.add(finish);
    const onAppend = () => {
      const a = available(req, broker);
      if (a.error || a.bytes >= Math.max(1, req.minBytes)) finish();
    };
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const log = broker.topics.partition(t.name, p.partition);
        if (log) unsubscribes.push(log.onAppend(onAppend));
      }
    }
  });
};

export const handleListOffsets: Handler<ListOffsetsRequest, ListOffsetsResponse> = (req, broker) => ({
  topics: req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const log = broker.topics.partition(t.name, p.partition);
      if (!log) return { partition: p.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: -1 };
      const ok = { partition: p.partition, errorCode: ErrorCode.NONE };
      if (p.timestamp === LATEST) return { ...ok, timestamp: -1, offset: log.logEndOffset };
      if (p.timestamp === EARLIEST) return { ...ok, timestamp: -1, offset: log.logStartOffset };
      const hit = log.offsetForTimestamp(p.timestamp);
      return hit ? { ...ok, ...hit } : { ...ok, timestamp: -1, offset: -1 };
    }),
  })),
});
