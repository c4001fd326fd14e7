import { createBroker } from './broker/server';

export interface BrokerOptions {
  /** Interface to listen on and to advertise in Metadata. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Directory for segment files and metadata; undefined keeps everything in memory. */
  dataDir?: string;
  /** Partitions for auto-created topics and CreateTopics with -1. Default 3. */
  defaultPartitions?: number;
  /** Create unknown topics when a client asks for them in Metadata. Default true. */
  autoCreateTopics?: boolean;
  /** JSON-lines log threshold on stderr. Default 'warn'. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Broker id reported as leader and controller. Default 1. */
  nodeId?: number;
}

export interface RunningBroker {
  host: string;
  port: number;
  /** "host:port", ready for a client's brokers list. */
  bootstrap: string;
  /** Closes every connection, flushes data to disk and stops listening. */
  stop(): Promise<void>;
}

export function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  return createBroker(options);
}
