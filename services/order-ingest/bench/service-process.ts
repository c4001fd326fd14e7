import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  port: number;
  stop(): Promise<void>;
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
