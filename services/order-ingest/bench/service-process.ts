import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  port: number;
  /** CPU seconds (user + system) the service has used so far; undefined where /proc is missing. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/** utime + stime from /proc/<pid>/stat, in clock ticks of 1/100 s (Linux' USER_HZ). */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Starts src/main.ts in a child process and resolves with its port once it logs that it started. */
export function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const root = path.join(__dirname, '..');
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once('exit', (code) => reject(new Error(`service exited with ${code} before starting`)));
    lines.on('line', (line) => {
      let entry: { message?: string; port?: number; level?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.level === 'error' || entry.level === 'warn') process.stderr.write(`${line}\n`);
      if (entry.message === 'order-ingest started' && entry.port) {
        resolve({
          port: entry.port,
          cpuSeconds: () => cpuSecondsOf(child.pid),
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
