/**
 * Produce-then-consume throughput of the dev broker through kafkajs.
 *   pnpm exec tsx bench/throughput.ts [--records 1000000] [--batch 1000] [--value-bytes 100] [--partitions 3]
 * The broker runs in its own process (as in development), started from src/cli.ts.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';

const opts = new Command()
  .option('--records <n>', 'records to produce and consume', (v) => Number(v), 1_000_000)
  .option('--batch <n>', 'records per producer.send', (v) => Number(v), 1000)
  .option('--in-flight <n>', 'concurrent producer.send calls', (v) => Number(v), 4)
  .option('--value-bytes <n>', 'value size', (v) => Number(v), 100)
  .option('--partitions <n>', 'topic partitions', (v) => Number(v), 3)
  .parse()
  .opts<{ records: number; batch: number; inFlight: number; valueBytes: number; partitions: number }>();

function startBrokerProcess(): Promise<{ bootstrap: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../src/cli.ts'), '--port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /KAFKA_BROKERS=(\S+)\nREADY/.exec(out);
      if (m) resolve({ bootstrap: m[1]!, stop: () => child.kill('SIGTERM') });
    });
  });
}

async function main(): Promise<void> {
  const broker = await startBrokerProcess();
  const kafka = new Kafka({ clientId: 'bench', brokers: [broker.bootstrap], logLevel: logLevel.ERROR });
  const topic = `bench-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: opts.partitions }] });
  await admin.disconnect();

  const value = Buffer.alloc(opts.valueBytes, 'v');
  const producer = kafka.producer();
  await producer.connect();
  const produceStart = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < opts.records) {
      const from = next;
      const count = Math.min(opts.batch, opts.records - from);
      next += count;
      await producer.send({
        topic,
        acks: 1,
        messages: Array.from({ length: count }, (_, i) => ({ key: String(from + i), value })),
      });
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, worker));
  const produceSeconds = Number(process.hrtime.bigint() - produceStart) / 1e9;
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  const consumeStart = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: opts.partitions,
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length;
        if (consumed >= opts.records) resolve();
      },
    });
  });
  const consumeSeconds = Number(process.hrtime.bigint() - consumeStart) / 1e9;
  await consumer.disconnect();
  broker.stop();

  const row = (phase: string, s: number) =>
    `| ${phase.padEnd(7)} | ${String(opts.records).padStart(9)} | ${s.toFixed(2).padStart(7)} | ${Math.round(opts.records / s).toLocaleString('en-US').padStart(10)} |`;
  console.log(`records of ${opts.valueBytes} B, ${opts.partitions} partitions, ${opts.batch} per send, ${opts.inFlight} in flight`);
  console.log('| phase   |   records | seconds |  records/s |');
  console.log('|---------|-----------|---------|------------|');
  console.log(row('produce', produceSeconds));
  console.log(row('consume', consumeSeconds));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
