import * as net from 'node:net';
import type { BrokerOptions, RunningBroker } from '../index';
import { GroupCoordinator } from '../groups/coordinator';
import { OffsetStore } from '../groups/offsetStore';
import { createLogger } from '../logger';
import { Connection } from './connection';
import type { BrokerContext } from './context';
import { ProducerStates } from './producerState';
import { TopicStore } from './topicStore';

/** How often retention and compaction run. */
const CLEANER_INTERVAL_MS = 500;

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function createBroker(options: BrokerOptions): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const log = createLogger(options.logLevel ?? 'warn');
  const defaultPartitions = options.defaultPartitions ?? 3;
  if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1) {
    throw new RangeError(`defaultPartitions must be a positive integer, got ${defaultPartitions}`);
  }
  const topics = new TopicStore(options.dataDir);
  const offsets = new OffsetStore(options.dataDir);
  const broker: BrokerContext = {
    nodeId: options.nodeId ?? 1,
    // A wildcard address is not somewhere a client can connect back to.
    host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
    port: 0,
    clusterId: 'dev-kafka',
    defaultPartitions,
    autoCreateTopics: options.autoCreateTopics ?? true,
    dataDir: options.dataDir,
    topics,
    groups: new GroupCoordinator(offsets, log),
    producers: new ProducerStates(),
    log,
    pending: new Set(),
  };

  const connections = new Set<Connection>();
  const server = net.createServer((socket) => {
    const conn = new Connection(socket, broker);
    connections.add(conn);
    socket.once('close', () => connections.delete(conn));
  });
  server.maxConnections = 10_000;
  broker.port = await listen(server, host, options.port ?? 0);
  const cleaner = setInterval(() => {
    try {
      topics.clean(Date.now());
    } catch (err) {
      log.error('log cleaning failed', { error: (err as Error).message });
    }
  }, CLEANER_INTERVAL_MS);
  cleaner.unref();
  log.info('broker started', { host: broker.host, port: broker.port, dataDir: options.dataDir ?? null });

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(cleaner);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const finish of [...broker.pending]) finish();
      for (const c of connections) c.close();
      await closed;
      broker.groups.close();
      offsets.flush();
      topics.close();
      log.info('broker stopped', { port: broker.port });
    })();
    return stopping;
  };
  return { host: broker.host, port: broker.port, bootstrap: `${broker.host}:${broker.port}`, stop };
}
