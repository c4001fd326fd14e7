import { ErrorCode } from '../../protocol/errors';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/createPartitions';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/createTopics';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/deleteTopics';
import type { DescribeConfigsRequest, DescribeConfigsResponse, DescribedConfig } from '../../protocol/describeConfigs';
import type { MetadataRequest, MetadataResponse, TopicMetadata } from '../../protocol/metadata';
import { TOPIC_CONFIG_DEFAULTS } from '../../storage/topicConfig';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/alterConfigs';
import { ConfigOperation } from '../../protocol/alterConfigs';
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
      return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: partitions };
    } catch (err) {
      return { name: t.name, numPartitions: -1, ...topicFailure(err) };
    }
  }),
});

export const handleDeleteTopics: Handler<DeleteTopicsRequest, DeleteTopicsResponse> = (req, broker) => ({
  topics: req.topics.map((name) => {
    try {
      broker.topics.delete(name);
      broker.groups.offsets.deleteTopic(name);
      broker.log.info('topic deleted', { topic: name });
      return { name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (err) {
      return { name, ...topicFailure(err) };
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


/** The topic's configs after one AlterConfigs (replace all) or IncrementalAlterConfigs (per-name operations) resource. */
function alteredConfigs(current: Record<string, string>, req: AlterConfigsRequest, changes: AlterConfigsRequest['resources'][number]['configs']): Record<string, string> {
  const next: Record<string, string> = req.replace ? {} : { ...current };
  for (const c of changes) {
    if (c.operation === ConfigOperation.SET) {
      if (c.value === null) delete next[c.name];
      else next[c.name] = c.value;
    } else if (c.operation === ConfigOperation.DELETE) {
      delete next[c.name];
    } else if (c.operation === ConfigOperation.APPEND || c.operation === ConfigOperation.SUBTRACT) {
      // List-valued configs (cleanup.policy is the one this broker acts on) hold comma-separated items.
      const items = (next[c.name] ?? TOPIC_CONFIG_DEFAULTS[c.name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const given = (c.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const result = c.operation === ConfigOperation.APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
      next[c.name] = result.join(',');
    } else {
      throw new TopicError(ErrorCode.INVALID_REQUEST, `config operation ${c.operation} for "${c.name}" is not one of SET, DELETE, APPEND, SUBTRACT`);
    }
  }
  return next;
}

/** Topic configs can change; broker configs are static here and refused with a message saying so. */
export const handleAlterConfigs: Handler<AlterConfigsRequest, AlterConfigsResponse> = (req, broker) => ({
  resources: req.resources.map((r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType !== RESOURCE_TOPIC) {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `only topic configs can be altered on this broker, not resource type ${r.resourceType}` };
    }
    try {
      const topic = broker.topics.topics.get(r.resourceName);
      if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${r.resourceName}"`);
      broker.topics.setConfigs(r.resourceName, alteredConfigs(topic.configs, req, r.configs), req.validateOnly);
      broker.log.info('topic configs altered', { topic: r.resourceName, validateOnly: req.validateOnly, incremental: !req.replace });
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (err) {
      return { ...base, ...topicFailure(err) };
    }
  }),
});
