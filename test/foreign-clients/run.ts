import { startDevStack, silentSink } from '@retail-backbone/devstack';
import { formatMatrix, runMatrix, type Target } from './matrix';
import { ensureTools } from './tools';

/**
 * `pnpm --filter @retail-backbone/test foreign-clients`: runs the client × feature matrix on the dev
 * broker (the one in KAFKA_BROKERS, else a fresh one) and on Apache Kafka when KAFKA_BROKERS_APACHE is
 * set; prints one table per broker and exits 1 when any cell is FAIL.
 */
async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const tools = await ensureTools(log);
  const stack = await startDevStack({ persistent: false, log: silentSink });
  let failed = false;
  try {
    const targets: Target[] = [{ name: 'dev', bootstrap: stack.env.KAFKA_BROKERS, registryUrl: stack.env.SCHEMA_REGISTRY_URL }];
    const apache = process.env.KAFKA_BROKERS_APACHE;
    if (apache) targets.push({ name: 'apache', bootstrap: apache, registryUrl: stack.env.SCHEMA_REGISTRY_URL });
    else log('foreign-clients: KAFKA_BROKERS_APACHE is not set; Apache Kafka is not in this run');
    for (const target of targets) {
      const started = Date.now();
      const cells = await runMatrix(tools, target);
      process.stdout.write(`${formatMatrix(`${target.name} (${target.bootstrap}), ${((Date.now() - started) / 1000).toFixed(0)} s`, cells)}\n\n`);
      if (cells.some((c) => c.outcome === 'FAIL')) failed = true;
    }
  } finally {
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
