import { formatMatrix, runMatrix, type Target } from './matrix';
import { ensureTools, type Tools } from './tools';

/**
 * The foreign-client matrix (confluent-kafka, kafka-python, kcat) on every broker this run has: the
 * dev broker of the jest dev stack, and Apache Kafka when KAFKA_BROKERS_APACHE is set. A FAIL cell
 * fails the test with the table in the message.
 */
const targets: Target[] = [];
if (process.env.KAFKA_BROKERS) targets.push({ name: 'dev', bootstrap: process.env.KAFKA_BROKERS, registryUrl: process.env.SCHEMA_REGISTRY_URL ?? '' });
if (process.env.KAFKA_BROKERS_APACHE) targets.push({ name: 'apache', bootstrap: process.env.KAFKA_BROKERS_APACHE, registryUrl: process.env.SCHEMA_REGISTRY_URL ?? '' });

describe('foreign Kafka clients', () => {
  let tools: Tools;
  beforeAll(async () => {
    tools = await ensureTools((line) => process.stderr.write(`${line}\n`));
  }, 600_000);

  test.each(targets.map((t) => [t.name, t] as const))('every client × feature passes on the %s broker', async (_name, target) => {
    const cells = await runMatrix(tools, target);
    const table = formatMatrix(`${target.name} (${target.bootstrap})`, cells);
    process.stderr.write(`${table}\n`);
    expect(cells.filter((c) => c.outcome === 'FAIL').map((c) => `${c.client} ${c.feature}: ${c.detail}`)).toEqual([]);
  }, 900_000);
});
