import { Kafka, logLevel } from 'kafkajs';
import { uniqueName } from './conformance';
import { compactArray, compactStr, FlexReader, int16, int32, NO_TAGS, RawClient, str } from './rawClient';

/**
 * The highest version of each API that the dev broker serves (its README table). Each must be inside
 * the range Apache Kafka 4 advertises too, so clients negotiate the same versions with both brokers.
 */
export const SERVED_MAX: Record<string, [apiKey: number, version: number]> = {
  Produce: [0, 9],
  Fetch: [1, 12],
  ListOffsets: [2, 7],
  Metadata: [3, 12],
  OffsetCommit: [8, 9],
  OffsetFetch: [9, 8],
  FindCoordinator: [10, 4],
  JoinGroup: [11, 9],
  Heartbeat: [12, 4],
  LeaveGroup: [13, 5],
  SyncGroup: [14, 5],
  DescribeGroups: [15, 5],
  ListGroups: [16, 4],
  ApiVersions: [18, 4],
  CreateTopics: [19, 5],
  DeleteTopics: [20, 5],
  InitProducerId: [22, 4],
  DescribeConfigs: [32, 4],
  AlterConfigs: [33, 2],
  CreatePartitions: [37, 3],
  DeleteGroups: [42, 2],
  IncrementalAlterConfigs: [44, 1],
};

/** Skips the response header v1's tagged fields, returning a reader at the body. */
function flexBody(answer: Buffer): FlexReader {
  const r = new FlexReader(answer);
  r.tags();
  return r;
}

/**
 * Version negotiation as real Kafka does it, spoken on the wire (found when librdkafka and
 * kafka-python met the dev broker: it accepted one version per API and closed the socket on others).
 * Runs against any broker.
 */
export function versionNegotiationSuite(getBootstrap: () => string): void {
  let raw: RawClient;
  beforeEach(async () => {
    raw = await RawClient.connect(getBootstrap());
  });
  afterEach(() => raw.close());

  test('ApiVersions v3 (flexible, with client software name) advertises ranges holding every version the dev broker serves', async () => {
    const body = Buffer.concat([compactStr('foreign-test'), compactStr('1.0.0'), NO_TAGS]);
    const r = new FlexReader(await raw.request(18, 3, body, true)); // ApiVersions answers keep header v0
    expect(r.int16()).toBe(0);
    const ranges = new Map((r.compactArray((r) => {
      const range = { key: r.int16(), min: r.int16(), max: r.int16() };
      r.tags();
      return range;
    }) ?? []).map((x) => [x.key, x]));
    const outside = Object.entries(SERVED_MAX).filter(([, [key, v]]) => {
      const range = ranges.get(key);
      return !range || v < range.min || v > range.max;
    });
    expect(outside.map(([name]) => name)).toEqual([]);
    // librdkafka sends gzip, snappy and lz4 batches uncompressed unless the Produce range reaches v2
    // (found by the foreign-clients matrix: kcat compressed on Apache Kafka, not on the dev broker).
    expect(ranges.get(0)?.min).toBeLessThanOrEqual(2);
  });

  test('an unknown ApiVersions version gets error 35 with the ranges, and the same connection then serves v0', async () => {
    // A client trying a newer version than the broker knows sends it with the flexible header v2.
    const refused = await raw.request(18, 127, Buffer.concat([compactStr('foreign-test'), compactStr('1.0.0'), NO_TAGS]), true);
    expect(refused.readInt16BE(0)).toBe(35);
    // Kafka lists at least ApiVersions' own range here (the dev broker lists them all).
    const listed = Array.from({ length: refused.readInt32BE(2) }, (_, i) => refused.readInt16BE(6 + 6 * i));
    expect(listed).toContain(18);
    const retried = await raw.request(18, 0, Buffer.alloc(0));
    expect(retried.readInt16BE(0)).toBe(0);
  });

  test('FindCoordinator v4 answers a batch of group keys, one coordinator each', async () => {
    const keys = [uniqueName('fc-a'), uniqueName('fc-b')];
    const body = Buffer.concat([Buffer.from([0]), compactArray(keys.map((k) => compactStr(k))), NO_TAGS]);
    const r = flexBody(await raw.request(10, 4, body, true));
    r.int32(); // throttle
    const coordinators = r.compactArray((r) => {
      const c = { key: r.compactStr(), nodeId: r.int32(), host: r.compactStr(), port: r.int32(), errorCode: r.int16(), message: r.compactStr() };
      r.tags();
      return c;
    });
    expect(coordinators?.map((c) => [c.key, c.errorCode])).toEqual(keys.map((k) => [k, 0]));
    expect(coordinators?.every((c) => c.port > 0 && c.host)).toBe(true);
  });

  test('OffsetFetch v8 answers a batch of groups, one result each', async () => {
    const groups = [uniqueName('of-a'), uniqueName('of-b')];
    // Ask every group's coordinator first: Kafka answers COORDINATOR_NOT_AVAILABLE while it loads.
    for (const g of groups) await raw.request(10, 2, Buffer.concat([str(g), Buffer.from([0])]));
    const body = Buffer.concat([
      compactArray(groups.map((g) => Buffer.concat([compactStr(g), Buffer.from([0]) /* null topics: all */, NO_TAGS]))),
      Buffer.from([0]), // require stable
      NO_TAGS,
    ]);
    const r = flexBody(await raw.request(9, 8, body, true));
    r.int32();
    const results = r.compactArray((r) => {
      const groupId = r.compactStr();
      const topics = r.compactArray(() => {
        throw new Error('a new group has no committed topics');
      });
      const g = { groupId, topics: topics?.length ?? 0, errorCode: r.int16() };
      r.tags();
      return g;
    });
    expect(results).toEqual(groups.map((groupId) => ({ groupId, topics: 0, errorCode: 0 })));
  });

  test('Metadata v12 (flexible) describes a topic with a non-zero topic id', async () => {
    const topic = uniqueName('meta12');
    const kafka = new Kafka({ brokers: [getBootstrap()], clientId: 'versions', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const request = Buffer.concat([
      compactArray([Buffer.concat([Buffer.alloc(16), compactStr(topic), NO_TAGS])]),
      Buffer.from([0]), // no auto-creation
      Buffer.from([0]), // no topic authorized operations
      NO_TAGS,
    ]);
    const r = flexBody(await raw.request(3, 12, request, true));
    r.int32();
    r.compactArray((r) => {
      r.int32();
      r.compactStr();
      r.int32();
      r.compactStr();
      r.tags();
    });
    r.compactStr(); // cluster id
    r.int32(); // controller
    const topics = r.compactArray((r) => {
      const t = { errorCode: r.int16(), name: r.compactStr(), id: r.bytes(16), internal: r.int8() };
      const partitions = r.compactArray((r) => {
        r.int16();
        const p = r.int32();
        r.int32();
        r.int32();
        r.compactArray((r) => r.int32());
        r.compactArray((r) => r.int32());
        r.compactArray((r) => r.int32());
        r.tags();
        return p;
      });
      r.int32();
      r.tags();
      return { ...t, partitions: partitions?.sort() };
    });
    expect(topics?.map((t) => [t.errorCode, t.name, t.partitions])).toEqual([[0, topic, [0, 1]]]);
    expect(topics?.[0]?.id.equals(Buffer.alloc(16))).toBe(false);
  });

  test('Produce v2 (before RecordBatch v2) is refused with 35 or a closed connection, never left unanswered', async () => {
    const body = Buffer.concat([int16(1), int32(5000), int32(1), str(uniqueName('p2')), int32(1), int32(0), int32(0)]);
    const outcome = await Promise.race([
      raw.request(0, 2, body).then((b) => b.readInt16BE(b.length - 4 - 8 - 8 - 2) === 35 || b.includes(Buffer.from([0, 35]))),
      raw.closed.then(() => true),
    ]);
    expect(outcome).toBe(true);
  });
}
