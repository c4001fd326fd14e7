import type { Server } from 'node:http';
import path from 'node:path';
import { EventSerde } from '@retail-backbone/contracts';
import { OutboxRelay } from '@retail-backbone/messaging';
import { createHttpApp, createMetricsRegistry, listen, type Logger } from '@retail-backbone/observability';
import express from 'express';
import { AuditLog, migrateConsole, PRODUCER } from './audit';
import { sendProblem } from './api/problems';
import { createConsoleApi } from './api/router';
import type { ConsoleConfig } from './config';
import { openSources } from './sources';

export const UI_DIR = path.join(__dirname, '..', 'ui');

export interface RunningConsole {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/**
 * The console as a process of its own (what `pnpm start` runs): the API under /api, the static UI
 * at /, and the relay that publishes the audit events. The reconciler will mount createConsoleApi
 * the same way.
 */
export async function startConsole(config: ConsoleConfig, logger: Logger, host = '127.0.0.1'): Promise<RunningConsole> {
  await migrateConsole(config.databaseUrl, config.schema);
  const sources = openSources(config, logger);
  const registry = createMetricsRegistry({ service: PRODUCER });
  const relay = config.schemaRegistryUrl
    ? new OutboxRelay({ pool: sources.pool, schema: config.schema, kafka: sources.kafka, serde: new EventSerde({ registryUrl: config.schemaRegistryUrl, clientId: PRODUCER }), producerName: PRODUCER, logger, registry })
    : undefined;
  if (!relay) logger.warn('SCHEMA_REGISTRY_URL is not set: audit events stay in the outbox until a relay runs');
  await relay?.start();
  const app = createHttpApp({ service: PRODUCER, logger, registry, readiness: [{ name: 'database', check: async () => void (await sources.pool.query('SELECT 1')) }] });
  app.use('/api', createConsoleApi({ sources, audit: new AuditLog(sources.pool, config.schema, config.region), auth: config.auth, logger, traceUrlTemplate: config.traceUrlTemplate }));
  app.use(
    express.static(UI_DIR, {
      index: 'index.html',
      setHeaders: (res) => {
        res.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('referrer-policy', 'no-referrer');
      },
    }),
  );
  // Past the UI's files: a problem body, not express's HTML page (a malformed path included).
  app.use((_req: express.Request, res: express.Response) => sendProblem(res, 'notFound', 'no such page or route'));
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendProblem(res, 'badRequest', 'the request could not be read', {}, { status });
    logger.error('console request failed', { error });
    sendProblem(res, 'internal', 'unexpected error; the console log has its details');
  });
  const bound = await listen(app, config.port, host);
  const address = bound.server.address() as { port: number };
  return {
    url: `http://${host}:${address.port}`,
    server: bound.server,
    stop: async () => {
      await bound.close();
      await relay?.stop();
      await sources.close();
    },
  };
}
