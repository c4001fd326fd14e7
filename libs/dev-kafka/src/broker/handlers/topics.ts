import { ErrorCode } from '../../protocol/errors';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/createPartitions/v1';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/createTopics/v3';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/deleteTopics/v1';
import type { DescribeConfigsRequest, DescribeConfigsResponse, DescribedConfig } from '../../protocol/describeConfigs/v2';
import type { MetadataRequest, MetadataResponse, TopicMetadata } from '../../protocol/metadata/v6';
import { TOPIC_CONFIG_DEFAULTS } from '../../storage/topicConfig';
import type { BrokerContext, Handler } from '../context';
import { TopicError, type Topic } from '../topicStore';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const SOURCE_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

function describeTopic(broker: BrokerContext, topic: Topic): TopicMetadata {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    partitions: topic.partitions.map((_, partition) => ({
      errorCode: ErrorCode.NONE,
      partition,
      leader: broker.nodeId,
      replicas: [broker.nodeId],
      isr: [broker.nodeId],
    })),
  };
}

function failedTopic(name: string, errorCode: number): TopicMetadata {
  return { errorCode, name, partitions: [] };
}

export const handleMetadata: Handler<MetadataRequest, MetadataResponse> = (req, broker) => {
  const names = req.topics ?? [...broker.topics.topics.keys()];
  const topics = names.map((name) => {
    const existing = broker.topics.topics.get(name);
    if (existing) return describeTopic(broker, existing);
    if (!req.allowAutoTopicCreation || !broker.autoCreateTopics) return failedTopic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    try {
      const created = broker.topics.create(name, broker.defaultPartitions, {});
      broker.log.info('topic auto-created', { topic: name, partitions: broker.defaultPartitions });
      return describeTopic(broker, created);
    } catch (err) {
      return failedTopic(name, err instanceof TopicError ? err.errorCode : ErrorCode.INVALID_TOPIC_EXCEPTION);
    }
  });
  return {
    brokers: [{ nodeId: broker.nodeId, host: broker.host, port: broker.port }],
    clusterId: broker.clusterId,
    controllerId: broker.nodeId,
    topics,
  };
};

function topicFailure(err: unknown): { errorCode: number; errorMessage: string } {
  if (err instanceof TopicError) return { errorCode: err.errorCode, errorMessage: err.message };
  throw err;
}

export const handleCreateTopics: Handler<CreateTopicsRequest, CreateTopicsResponse> = (req, broker) => ({
  topics: req.topics.map((t) => {
    try {
      if (t.replicationFactor > 1) {
        throw new TopicError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor} exceeds the 1 available broker`);
      }
      const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? broker.defaultPartitions : t.numPartitions;
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      if (req.validateOnly) broker.topics.validateCreate(t.name, partitions, configs);
      else broker.topics.create(t.name, partitions, configs);
      broker.log.info('topic created', { topic: t.name, partitions, validateOnly: req.validateOnly });
      return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (err) {
      return { name: t.name, ...topicFailure(err) };
    }
  }),
});

export const handleDeleteTopics: Handler<DeleteTopicsRequest, DeleteTopicsResponse> = (req, broker) => ({
  topics: req.topics.map((name) => {
    try {
      broker.topics.delete(name);
      broker.groups.offsets.deleteTopic(name);
      broker.log.info('topic deleted', { topic: name });
      return { name, errorCode: ErrorCode.NONE };
    } catch (err) {
      return { name, errorCode: topicFailure(err).errorCode };
    }
  }),
});

export const handleCreatePartitions: Handler<CreatePartitionsRequest, CreatePartitionsResponse> = (req, broker) => ({
  topics: req.topics.map((t) => {
    try {
      broker.topics.addPartitions(t.name, t.count, req.validateOnly);
      return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (err) {
      return { name: t.name, ...topicFailure(err) };
    }
  }),
});

function brokerConfigs(broker: BrokerContext): DescribedConfig[] {
  const values: Record<string, string> = {
    'broker.id': String(broker.nodeId),
    'num.partitions': String(broker.defaultPartitions),
    'auto.create.topics.enable': String(broker.autoCreateTopics),
    'default.replication.factor': '1',
    'offsets.topic.replication.factor': '1',
  };
  return Object.entries(values).map(([name, value]) => ({ name, value, readOnly: true, source: SOURCE_STATIC_BROKER, isSensitive: false }));
}

function topicConfigs(topic: Topic): DescribedConfig[] {
  const names = new Set([...Object.keys(TOPIC_CONFIG_DEFAULTS), ...Object.keys(topic.configs)]);
  return [...names].sort().map((name) => {
    const own = topic.configs[name];
    return {
      name,
      value: own ?? TOPIC_CONFIG_DEFAULTS[name] ?? null,
      readOnly: false,
      source: own === undefined ? SOURCE_DEFAULT : SOURCE_TOPIC,
      isSensitive: false,
    };
  });
}

export const handleDescribeConfigs: Handler<DescribeConfigsRequest, DescribeConfigsResponse> = (req, broker) => ({
  resources: req.resources.map((r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    let configs: DescribedConfig[];
    if (r.resourceType === RESOURCE_TOPIC) {
      const topic = broker.topics.topics.get(r.resourceName);
      if (!topic) {
        return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `unknown topic "${r.resourceName}"`, configs: [] };
      }
      configs = topicConfigs(topic);
    } else if (r.resourceType === RESOURCE_BROKER) {
      configs = brokerConfigs(broker);
    } else {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported`, configs: [] };
    }
    const wanted = r.configNames;
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      configs: wanted ? configs.filter((c) => wanted.includes(c.name)) : configs,
    };
  }),
});

