import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { jsonLogger, silentSink, type LogSink } from '../log';
import { registryApp } from './routes';
import { RegistryService } from './service';
import { migrate } from './store';

export interface SchemaRegistryOptions {
  /** PostgreSQL database holding the registry's state (in its own `schema_registry` schema). */
  databaseUrl: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log?: LogSink;
}

export interface SchemaRegistry {
  url: string;
  stop(): Promise<void>;
}

export async function startSchemaRegistry(options: SchemaRegistryOptions): Promise<SchemaRegistry> {
  const log = jsonLogger(options.log ?? silentSink, 'schema-registry');
  const host = options.host ?? '127.0.0.1';
  const pool = new Pool({ connectionString: options.databaseUrl, max: 10 });
  pool.on('error', (e) => log('error', 'idle database connection failed', { error: e.message }));
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const app = registryApp(new RegistryService(pool), log);
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, host, (e?: Error) => (e ? reject(e) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log('info', 'schema registry listening', { url });
  let stopped: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await pool.end();
        log('info', 'schema registry stopped', { url });
      })();
      return stopped;
    },
  };
}
