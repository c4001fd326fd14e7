/**
 * Test tools that come from Debian (kcat, chromium): found on PATH, or installed with apt-get when
 * this process may (root). Several installers may run at once on one machine (a test run, a
 * developer's apt-get), so apt waits for dpkg's lock instead of failing on it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const APT_OPTIONS = ['-o', 'DPkg::Lock::Timeout=600', '-o', 'Acquire::Retries=3'];

export function findOnPath(binary: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * Returns the path of `binary`, installing Debian's `pkg` first when it is missing and apt-get may
 * run; null when it is still missing (the caller decides whether that is a failure: in CI it is).
 */
export async function ensureDebianPackage(binary: string, pkg: string, log: (line: string) => void = () => undefined): Promise<string | null> {
  const found = findOnPath(binary);
  if (found) return found;
  if (process.getuid?.() !== 0 || !findOnPath('apt-get')) return null;
  log(`installing ${pkg} with apt-get`);
  const install = () => run('apt-get', [...APT_OPTIONS, 'install', '-y', '--no-install-recommends', pkg], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    await install();
  } catch {
    // A fresh machine may have no package lists yet.
    await run('apt-get', [...APT_OPTIONS, 'update'], { maxBuffer: 64 * 1024 * 1024 });
    await install();
  }
  return findOnPath(binary);
}
