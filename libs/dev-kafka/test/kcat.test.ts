import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../src';
import { waitFor } from './conformance';

const run = promisify(execFile);

function onPath(binary: string): boolean {
  try {
    execFileSync('which', [binary], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** librdkafka is a second, independent client implementation: it negotiates versions differently. */
// In CI the jest global set-up installs kcat, so there a missing kcat fails this suite instead of skipping it.
const kcatAvailable = onPath('kcat') || process.env.CI === 'true';
const maybeDescribe = kcatAvailable ? describe : describe.skip;
if (!kcatAvailable) process.stderr.write('kcat interop skipped: kcat is not on PATH (apt-get install -y kcat)\n');

maybeDescribe('kcat (librdkafka) against the dev broker', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker({ port: 0, logLevel: 'silent' });
  });
  afterAll(() => broker.stop());

  test('produces keyed records and consumes them back', async () => {
    const topic = `kcat-${process.pid}`;
    const input = ['k1:one', 'k2:two', 'k1:three'].join('\n') + '\n';
    const producer = execFile('kcat', ['-b', broker.bootstrap, '-t', topic, '-P', '-K:', '-p', '0']);
    producer.stdin!.end(input);
    await new Promise<void>((resolve, reject) =>
      producer.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}`)))),
    );
    const { stdout } = await run(
      'kcat',
      ['-b', broker.bootstrap, '-t', topic, '-C', '-p', '0', '-o', 'beginning', '-e', '-f', '%k=%s@%o\n'],
      { timeout: 20_000 },
    );
    expect(stdout.trim().split('\n')).toEqual(['k1=one@0', 'k2=two@1', 'k1=three@2']);
  });

  async function kcatProduce(topic: string, lines: string[], codec: string): Promise<void> {
    const producer = execFile('kcat', ['-b', broker.bootstrap, '-t', topic, '-P', '-K:', '-p', '0', '-z', codec]);
    producer.stdin!.end(lines.join('\n') + '\n');
    await new Promise<void>((resolve, reject) =>
      producer.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}`)))),
    );
  }

  test.each(['gzip', 'snappy', 'lz4', 'zstd'])('compaction reads %s batches as librdkafka compresses them', async (codec) => {
    const topic = `kcat-compact-${codec}-${process.pid}`;
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    } finally {
      await admin.disconnect();
    }
    await kcatProduce(topic, ['a:a1', 'b:b1'], codec);
    await kcatProduce(topic, ['a:a2'], codec);
    const read = async () =>
      (
        await run('kcat', ['-b', broker.bootstrap, '-t', topic, '-C', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k=%s@%o\n'], {
          timeout: 20_000,
        })
      ).stdout.trim().split('\n');
    // The cleaner runs every 500 ms; before this broker could decompress snappy/lz4/zstd it kept a1 forever.
    await waitFor(async () => (await read()).length === 2, 15_000, `compaction of the ${codec} batches`);
    expect(await read()).toEqual(['b=b1@1', 'a=a2@2']);
  });
});
