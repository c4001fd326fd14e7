/**
 * What the dev stack needs from a Kafka broker it runs, whichever broker it is: where clients
 * connect, a restart on the same port and data (chaos tests), and stop. The dev broker is one
 * implementation; another broker (Apache Kafka) plugs in by returning the same shape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KafkaBrokerHandle {
  /** "host:port" for a client's brokers list; unchanged by a restart. */
  bootstrap: string;
  /** Stops the broker (connections closed) and starts it again on the same port and data after `downMs`. */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface DevBrokerOptions {
  /** Kept data. Undefined: in memory, unless `restartable` asks for a throwaway directory. */
  dataDir?: string;
  /** Keep throwaway data on disk (removed on stop) so a restart finds it again. */
  restartable?: boolean;
}

export async function startDevBroker(options: DevBrokerOptions = {}): Promise<KafkaBrokerHandle> {
  // Loaded only when needed: runs without Kafka do not pay for the broker's modules.
  const { startBroker } = await import('@retail-backbone/dev-kafka');
  const scratch = !options.dataDir && options.restartable ? fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-kafka-')) : undefined;
  const dataDir = options.dataDir ?? scratch;
  const removeScratch = () => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  };
  let broker = await startBroker({ port: 0, ...(dataDir ? { dataDir } : {}) }).catch((error: unknown) => {
    removeScratch();
    throw error;
  });
  const port = broker.port;
  let down = false;
  let restarting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    bootstrap: broker.bootstrap,
    restart({ downMs = 0 } = {}) {
      if (stopped) return Promise.reject(new Error('the broker was stopped; it cannot be restarted'));
      if (!dataDir) return Promise.reject(new Error('an in-memory broker would lose its data on restart; start it with a data dir or restartable'));
      restarting ??= (async () => {
        down = true;
        await broker.stop();
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        broker = await startBroker({ port, dataDir });
        down = false;
      })().finally(() => (restarting = undefined));
      return restarting;
    },
    stop() {
      stopped ??= (async () => {
        await restarting?.catch(() => undefined);
        if (!down) await broker.stop();
        removeScratch();
      })();
      return stopped;
    },
  };
}
