import { ApiKey, type Codec } from '../codec';

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
}

export interface InitProducerIdResponse {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export const initProducerIdV1: Codec<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: ApiKey.InitProducerId,
  version: 1,
  name: 'InitProducerId',
  decode: (r) => ({ transactionalId: r.nullableString(), transactionTimeoutMs: r.int32() }),
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode).int64(res.producerId).int16(res.producerEpoch);
  },
};
