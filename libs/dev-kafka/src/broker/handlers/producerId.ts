import { ErrorCode } from '../../protocol/errors';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/initProducerId/v1';
import type { Handler } from '../context';

export const handleInitProducerId: Handler<InitProducerIdRequest, InitProducerIdResponse> = (_req, broker) => ({
  errorCode: ErrorCode.NONE,
  ...broker.producers.allocate(),
});
