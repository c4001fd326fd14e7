import { ErrorCode } from '../../protocol/errors';
import type { TxnPartitionsRequest, TxnPartitionsResponse, TxnSimpleRequest, TxnSimpleResponse } from '../../protocol/transactions';
import type { Handler } from '../context';

/** Transactions are not implemented: refused at once with Kafka's own code for a transactional id the client may not use. */
export const handleTxnPartitions: Handler<TxnPartitionsRequest, TxnPartitionsResponse> = (req) => ({
  errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  topics: req.topics,
});

export const handleTxnSimple: Handler<TxnSimpleRequest, TxnSimpleResponse> = () => ({
  errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
});
