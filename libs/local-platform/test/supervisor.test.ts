import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Supervisor, type ServiceStatus } from '../src/supervisor';

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Supervisor', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervisor-test-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('restarts a killed service, logs it as JSON and counts it in the status file', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const statusFile = path.join(dir, 'status.json');
    const supervisor = new Supervisor({ sink: () => undefined, log: (line) => logs.push(JSON.parse(line) as Record<string, unknown>), statusFile, initialDelayMs: 50, maxDelayMs: 200 });
    const first = supervisor.start({ name: 'sleeper', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: process.env, cwd: dir });
    try {
      first.kill('SIGKILL');
      const second = await waitFor('a new process', () => { const p = supervisor.process('sleeper'); return p && p !== first ? p : undefined; });
      second.kill('SIGKILL');
      await waitFor('the second restart', () => supervisor.status()[0]!.restarts === 2 && supervisor.status()[0]!.state === 'running');
      const exits = logs.filter((l) => l.msg === 'service exited unexpectedly; restarting');
      expect(exits).toHaveLength(2);
      expect(exits[0]).toMatchObject({ level: 'warn', service: 'sleeper', signal: 'SIGKILL', restarts: 1 });
      const onDisk = JSON.parse(fs.readFileSync(statusFile, 'utf8')) as { services: ServiceStatus[] };
      expect(onDisk.services[0]).toMatchObject({ name: 'sleeper', state: 'running', restarts: 2, lastExit: { signal: 'SIGKILL' } });
    } finally {
      await supervisor.stopAll();
    }
    expect(supervisor.status()[0]).toMatchObject({ state: 'stopped', restarts: 2 });
  });

  it('backs off longer for a process that keeps crashing at start', async () => {
    const delays: number[] = [];
    const supervisor = new Supervisor({
      sink: () => undefined,
      log: (line) => {
        const entry = JSON.parse(line) as { restartInMs?: number };
        if (entry.restartInMs !== undefined) delays.push(entry.restartInMs);
      },
      initialDelayMs: 20,
      maxDelayMs: 400,
    });
    supervisor.start({ name: 'crasher', command: process.execPath, args: ['-e', 'process.exit(3)'], env: process.env, cwd: dir });
    try {
      await waitFor('four restarts', () => delays.length >= 4);
    } finally {
      await supervisor.stopAll();
    }
    // Half jitter: the n-th delay lies in [d/2, d) with d = 20 ms * 2^n, so the fourth exceeds the first.
    expect(delays[3]!).toBeGreaterThan(delays[0]!);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(supervisor.status()[0]!.lastExit).toMatchObject({ code: 3, signal: null });
  });
});
