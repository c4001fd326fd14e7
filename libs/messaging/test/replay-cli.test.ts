import { buildCommand } from '../src/cli/replay-dlq';
import { matchesFilter, replayMessage, replayDeadLetters, ReplayFilterError } from '../src/dlq-replay';
import { Headers } from '../src/headers';
import type { Kafka, KafkaMessage } from 'kafkajs';

const dead = (offset: string, key: string, errorMessage: string): KafkaMessage =>
  ({
    offset,
    key: Buffer.from(key),
    value: Buffer.from('bytes'),
    timestamp: '0',
    attributes: 0,
    size: 0,
    headers: {
      [Headers.EVENT_ID]: Buffer.from('e-1'),
      traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
      [Headers.DLQ_ERROR_MESSAGE]: Buffer.from(errorMessage),
      [Headers.DLQ_ERROR_CLASS]: Buffer.from('DecodeError'),
      [Headers.DLQ_ORIGINAL_TOPIC]: Buffer.from('retail.orders.v1'),
    },
  }) as unknown as KafkaMessage;

describe('DLQ replay selection', () => {
  it('filters by error text (message or class), key, partition and offset', () => {
    const message = dead('7', 'order-1', 'unknown SKU');
    expect(matchesFilter({ all: true }, 0, message)).toBe(true);
    expect(matchesFilter({ error: 'SKU' }, 0, message)).toBe(true);
    expect(matchesFilter({ error: 'decodeerror' }, 0, message)).toBe(true);
    expect(matchesFilter({ error: 'timeout' }, 0, message)).toBe(false);
    expect(matchesFilter({ key: 'order-1', offset: '7' }, 0, message)).toBe(true);
    expect(matchesFilter({ key: 'order-2' }, 0, message)).toBe(false);
    expect(matchesFilter({ partition: 1, offset: '7' }, 0, message)).toBe(false);
  });

  it('re-publishes the original bytes and headers without the dlq-* ones', () => {
    const out = replayMessage('retail.orders.v1.dlq.g', 2, dead('7', 'order-1', 'x'));
    expect(out.key).toEqual(Buffer.from('order-1'));
    expect(out.value).toEqual(Buffer.from('bytes'));
    expect(Object.keys(out.headers!).sort()).toEqual([Headers.EVENT_ID, Headers.REPLAYED_FROM, 'traceparent'].sort());
    expect(out.headers![Headers.REPLAYED_FROM]).toBe('retail.orders.v1.dlq.g/2/7');
  });

  it('refuses to run without a choice of what to replay', async () => {
    await expect(replayDeadLetters({ kafka: {} as Kafka, dlqTopic: 'x', filter: {} })).rejects.toThrow(ReplayFilterError);
    await expect(replayDeadLetters({ kafka: {} as Kafka, dlqTopic: 'x', filter: { all: true, key: 'k' } })).rejects.toThrow(/cannot be combined/);
  });

  it('rejects a malformed offset on the command line', async () => {
    const command = buildCommand(() => {}).exitOverride().configureOutput({ writeErr: () => {} });
    await expect(command.parseAsync(['node', 'replay-dlq', '--dlq-topic', 'x', '--offset', 'ten'])).rejects.toThrow(/non-negative integer/);
  });
});
