import { ApiKey, type Codec } from '../codec';
import type { ListOffsetsRequest, ListOffsetsResponse } from './v3';

/** v1: no isolation level in the request, no throttle time in the response. */
export const listOffsetsV1: Codec<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: ApiKey.ListOffsets,
  version: 1,
  name: 'ListOffsets',
  decode: (r) => {
    r.int32(); // replica id
    return {
      isolationLevel: 0,
      topics: r.array((r) => ({
        name: r.string(),
        partitions: r.array((r) => ({ partition: r.int32(), timestamp: r.int64() })),
      })),
    };
  },
  encode: (w, res) => {
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode).int64(p.timestamp).int64(p.offset));
    });
  },
};
