import { ApiKey, type Codec } from './codec';

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
}

export interface InitProducerIdResponse {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

/** InitProducerId v0–v4: v2 flexible; v3 the current producer id and epoch (to bump it); v4 only error semantics. */
export const initProducerId: Codec<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 2,
  decode: (r, v) => {
    const req = { transactionalId: r.nullableString(), transactionTimeoutMs: r.int32() };
    if (v >= 3) {
      r.int64(); // producer id
      r.int16(); // producer epoch
    }
    r.tags();
    return req;
  },
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode).int64(res.producerId).int16(res.producerEpoch).tags();
  },
};
