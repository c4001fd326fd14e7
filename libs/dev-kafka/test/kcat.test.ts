import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startBroker, type RunningBroker } from '../src';

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
const kcatAvailable = onPath('kcat');
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
});
