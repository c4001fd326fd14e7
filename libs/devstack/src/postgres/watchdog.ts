import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The watchdog is a tiny detached node process holding a pipe from us. When that pipe closes
 * without a "disarm" line — we crashed, were SIGKILLed or exited without stop() — it stops
 * the server and removes its temp dirs, so nothing outlives the process that started it.
 * It ignores terminal signals so a Ctrl-C aimed at our process group cannot kill it first.
 */
const WATCHDOG_SOURCE = `
const fs = require('node:fs');
const [pid, ...dirs] = process.argv.slice(1);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});
let disarmed = false;
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; if (input.includes('disarm\\n')) disarmed = true; });
process.stdin.on('close', () => {
  if (disarmed) process.exit(0);
  const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
  try { process.kill(Number(pid), 'SIGINT'); } catch {}
  const started = Date.now();
  const timer = setInterval(() => {
    if (alive() && Date.now() - started < 15000) return;
    if (alive()) { try { process.kill(Number(pid), 'SIGKILL'); } catch {} }
    clearInterval(timer);
    for (const dir of dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, 100);
});
`;

export interface Watchdog {
  disarm(): void;
}

export function startWatchdog(serverPid: number, removeOnCrash: string[]): Watchdog {
  const child: ChildProcess = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(serverPid), ...removeOnCrash], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  const stdin = child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
  stdin?.unref?.();
  return {
    disarm() {
      if (!stdin) return;
      stdin.write('disarm\n');
      stdin.end();
    },
  };
}
