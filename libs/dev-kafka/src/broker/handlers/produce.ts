import { ErrorCode } from '../../protocol/errors';
import type { ProducePartitionData, ProducePartitionResult, ProduceRequest, ProduceResponse } from '../../protocol/produce';
import { InvalidRecordBatchError, splitBatches, type BatchInfo } from '../../storage/recordBatch';
import type { BrokerContext, Handler } from '../context';

const VALID_ACKS = new Set([0, 1, -1]);

function appendPartition(broker: BrokerContext, topic: string, data: ProducePartitionData): ProducePartitionResult {
  const log = broker.topics.partition(topic, data.partition);
  const fail = (errorCode: number): ProducePartitionResult => ({ partition: data.partition, errorCode, baseOffset: -1, logStartOffset: -1 });
  if (!log) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  let batches: BatchInfo[];
  try {
    batches = splitBatches(data.records ?? Buffer.alloc(0));
  } catch (err) {
    if (!(err instanceof InvalidRecordBatchError)) throw err;
    broker.log.warn('rejected record batch', { topic, partition: data.partition, reason: err.message });
    return fail(ErrorCode.CORRUPT_MESSAGE);
  }
  if (batches.length === 0) return fail(ErrorCode.CORRUPT_MESSAGE);
  const maxBytes = Number(broker.topics.topics.get(topic)!.configs['max.message.bytes'] ?? 1048588);
  if (batches.some((b) => b.buf.length > maxBytes)) return fail(ErrorCode.MESSAGE_TOO_LARGE);

  let firstOffset = -1;
  for (const b of batches) {
    let offset: number;
    if (b.producerId >= 0) {
      const count = b.lastOffsetDelta + 1;
      const check = broker.producers.check(b.producerId, b.producerEpoch, topic, data.partition, b.baseSequence, count);
      if (check.kind === 'error') {
        broker.log.warn('producer sequence rejected', { topic, partition: data.partition, producerId: b.producerId, sequence: b.baseSequence, errorCode: check.errorCode });
        return fail(check.errorCode);
      }
      if (check.kind === 'duplicate') {
        offset = check.baseOffset;
      } else {
        offset = log.append(b);
        broker.producers.record(b.producerId, b.producerEpoch, topic, data.partition, b.baseSequence, count, offset);
      }
    } else {
      offset = log.append(b);
    }
    if (firstOffset < 0) firstOffset = offset;
  }
  return { partition: data.partition, errorCode: ErrorCode.NONE, baseOffset: firstOffset, logStartOffset: log.logStartOffset };
}

/** Below v3 a request cannot carry RecordBatch v2; it is answered, not stored. */
const FIRST_SERVED_VERSION = 3;

export const handleProduce: Handler<ProduceRequest, ProduceResponse> = (req, broker, rc) => {
  const refusal = rc.apiVersion < FIRST_SERVED_VERSION ? ErrorCode.UNSUPPORTED_VERSION : !VALID_ACKS.has(req.acks) ? ErrorCode.INVALID_REQUIRED_ACKS : null;
  if (refusal === ErrorCode.UNSUPPORTED_VERSION) broker.log.warn('produce version refused', { version: rc.apiVersion, clientId: rc.clientId });
  const response: ProduceResponse = {
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) =>
        refusal === null
          ? appendPartition(broker, t.name, p)
          : { partition: p.partition, errorCode: refusal, baseOffset: -1, logStartOffset: -1 },
      ),
    })),
  };
  // One node: an append is fully replicated the moment it is stored, so acks 1 and -1 answer alike.
  return req.acks === 0 && refusal === null ? null : response;
};
