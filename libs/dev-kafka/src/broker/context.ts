import type { GroupCoordinator } from '../groups/coordinator';
import type { Logger } from '../logger';
import type { ProducerStates } from './producerState';
import type { TopicStore } from './topicStore';

/** What request handlers share: the broker's identity, its stores and its settings. */
export interface BrokerContext {
  nodeId: number;
  /** Host and port clients are told to connect to. */
  host: string;
  port: number;
  clusterId: string;
  defaultPartitions: number;
  autoCreateTopics: boolean;
  dataDir: string | undefined;
  topics: TopicStore;
  groups: GroupCoordinator;
  producers: ProducerStates;
  log: Logger;
  /** Cancels pending long-polls on shutdown. */
  pending: Set<() => void>;
}

/** Who sent the request being handled, and in which version. */
export interface RequestContext {
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

/** A handler answers with a response, or null when the request expects none (Produce with acks=0). */
export type Handler<Req, Res> = (req: Req, broker: BrokerContext, request: RequestContext) => Res | null | Promise<Res | null>;
