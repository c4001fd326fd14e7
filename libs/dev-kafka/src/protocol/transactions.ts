import { ApiKey, type Codec } from './codec';

/**
 * Transactions are not implemented. These codecs exist so a transactional client that gets this
 * far is refused at once with TRANSACTIONAL_ID_AUTHORIZATION_FAILED in a well-formed answer,
 * instead of an unknown-API reply it could retry forever. Only the shapes needed to refuse are read.
 */
export interface TxnPartitionsRequest {
  topics: { name: string; partitions: number[] }[];
}

export interface TxnPartitionsResponse {
  errorCode: number;
  topics: { name: string; partitions: number[] }[];
}

export type TxnSimpleRequest = Record<string, never>;

export interface TxnSimpleResponse {
  errorCode: number;
}

function writePartitionErrors(w: import('./writer').Writer, res: TxnPartitionsResponse): void {
  w.int32(0);
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => w.int32(p).int16(res.errorCode).tags());
    w.tags();
  });
  w.tags();
}

/** AddPartitionsToTxn v0–v3 (v3 flexible; v4 batches transactions and is not served). */
export const addPartitionsToTxn: Codec<TxnPartitionsRequest, TxnPartitionsResponse> = {
  apiKey: ApiKey.AddPartitionsToTxn,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  decode: (r) => {
    r.string(); // transactional id
    r.int64(); // producer id
    r.int16(); // producer epoch
    const topics = r.array((r) => {
      const t = { name: r.string(), partitions: r.array((r) => r.int32()) };
      r.tags();
      return t;
    });
    r.tags();
    return { topics };
  },
  encode: (w, res) => writePartitionErrors(w, res),
};

/** TxnOffsetCommit v0–v3 (v2 leader epochs; v3 flexible with group membership). */
export const txnOffsetCommit: Codec<TxnPartitionsRequest, TxnPartitionsResponse> = {
  apiKey: ApiKey.TxnOffsetCommit,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  decode: (r, v) => {
    r.string(); // transactional id
    r.string(); // group id
    r.int64(); // producer id
    r.int16(); // producer epoch
    if (v >= 3) {
      r.int32(); // generation id
      r.string(); // member id
      r.nullableString(); // group instance id
    }
    const topics = r.array((r) => {
      const name = r.string();
      const partitions = r.array((r) => {
        const partition = r.int32();
        r.int64(); // offset
        if (v >= 2) r.int32(); // leader epoch
        r.nullableString(); // metadata
        r.tags();
        return partition;
      });
      r.tags();
      return { name, partitions };
    });
    r.tags();
    return { topics };
  },
  encode: (w, res) => writePartitionErrors(w, res),
};

function simple(apiKey: number, name: string): Codec<TxnSimpleRequest, TxnSimpleResponse> {
  return {
    apiKey,
    name,
    minVersion: 0,
    maxVersion: 3,
    flexibleFrom: 3,
    // The answer does not depend on the request, so its fields are not read.
    decode: () => ({}),
    encode: (w, res) => {
      w.int32(0).int16(res.errorCode).tags();
    },
  };
}

/** AddOffsetsToTxn v0–v3 and EndTxn v0–v3 answer a single error code. */
export const addOffsetsToTxn = simple(ApiKey.AddOffsetsToTxn, 'AddOffsetsToTxn');
export const endTxn = simple(ApiKey.EndTxn, 'EndTxn');
