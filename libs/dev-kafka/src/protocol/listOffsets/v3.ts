import { ApiKey, type Codec } from '../codec';

export interface ListOffsetsRequest {
  isolationLevel: number;
  topics: { name: string; partitions: { partition: number; timestamp: number }[] }[];
}

export interface ListOffsetsPartitionResult {
  partition: number;
  errorCode: number;
  timestamp: number;
  offset: number;
}

export interface ListOffsetsResponse {
  topics: { name: string; partitions: ListOffsetsPartitionResult[] }[];
}

export const listOffsetsV3: Codec<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: ApiKey.ListOffsets,
  version: 3,
  name: 'ListOffsets',
  decode: (r) => {
    r.int32(); // replica id
    return {
      isolationLevel: r.int8(),
      topics: r.array((r) => ({
        name: r.string(),
        partitions: r.array((r) => ({ partition: r.int32(), timestamp: r.int64() })),
      })),
    };
  },
  encode: (w, res) => {
    w.int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode).int64(p.timestamp).int64(p.offset));
    });
  },
};
