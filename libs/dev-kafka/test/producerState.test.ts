import { ErrorCode } from '../src/protocol/errors';
import { ProducerStates } from '../src/broker/producerState';

describe('ProducerStates', () => {
  it('refuses a sequence gap of a producer this broker run handed its id to', () => {
    const states = new ProducerStates(1_000);
    const { producerId, producerEpoch } = states.allocate();
    expect(states.check(producerId, producerEpoch, 't', 0, 5, 1)).toEqual({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('continues the sequence of a producer from before a restart, then checks it again', () => {
    const before = new ProducerStates(1_000);
    const { producerId, producerEpoch } = before.allocate();
    before.record(producerId, producerEpoch, 't', 0, 0, 3, 0);
    const after = new ProducerStates(2_000);
    expect(after.check(producerId, producerEpoch, 't', 0, 3, 2)).toEqual({ kind: 'append' });
    after.record(producerId, producerEpoch, 't', 0, 3, 2, 3);
    expect(after.check(producerId, producerEpoch, 't', 0, 3, 2)).toEqual({ kind: 'duplicate', baseOffset: 3 });
    expect(after.check(producerId, producerEpoch, 't', 0, 9, 1)).toEqual({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });
});
