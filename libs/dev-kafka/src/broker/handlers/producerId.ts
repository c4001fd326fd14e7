import { ErrorCode } from '../../protocol/errors';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/initProducerId';
import type { Handler } from '../context';

/**
 * Idempotent producers get a fresh id. A transactional id is refused at once (transactions are not
 * implemented) with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which every client treats as fatal, so
 * none of them waits for a transaction coordinator that never comes.
 */
export const handleInitProducerId: Handler<InitProducerIdRequest, InitProducerIdResponse> = (req, broker) => {
  if (req.transactionalId !== null) {
    broker.log.warn('transactional producer refused', { transactionalId: req.transactionalId });
    return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
  }
  return { errorCode: ErrorCode.NONE, ...broker.producers.allocate() };
};
