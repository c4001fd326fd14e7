import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackage, findOnPath } from '@retail-backbone/devstack';

const run = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(REPO_ROOT, '.cache', 'foreign-clients');
export const VENV_PYTHON = path.join(CACHE, 'venv', 'bin', 'python');
const REQUIREMENTS = path.join(__dirname, 'requirements.txt');
const STAMP = path.join(CACHE, 'venv', 'requirements.sha256');

export interface Tools {
  python: string;
  /** Path of kcat, or null when it is missing outside CI. */
  kcat: string | null;
}

/** Creates the venv with the pinned clients, reusing it while requirements.txt is unchanged; pip downloads are cached. */
async function ensureVenv(log: (line: string) => void): Promise<string> {
  const want = createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex');
  if (fs.existsSync(VENV_PYTHON) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === want) return VENV_PYTHON;
  const python = findOnPath('python3');
  if (!python) throw new Error('foreign-clients: python3 is missing; install Python 3.11 with venv and pip');
  log('foreign-clients: installing the pinned Python clients into .cache/foreign-clients/venv');
  fs.mkdirSync(CACHE, { recursive: true });
  await run(python, ['-m', 'venv', path.join(CACHE, 'venv')]);
  await run(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--cache-dir', path.join(CACHE, 'pip'), '-r', REQUIREMENTS], {
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.writeFileSync(STAMP, want);
  return VENV_PYTHON;
}

/** kcat comes from Debian; installed with apt-get when missing and allowed (root). With CI=true a missing kcat is an error. */
async function ensureKcat(log: (line: string) => void): Promise<string | null> {
  const kcat = await ensureDebianPackage('kcat', 'kcat', (line) => log(`foreign-clients: ${line}`));
  if (kcat) return kcat;
  if (process.env.CI === 'true') throw new Error('foreign-clients: kcat is missing and could not be installed (apt-get install -y kcat)');
  log('foreign-clients: kcat is missing (apt-get install -y kcat); its column is skipped');
  return null;
}

export async function ensureTools(log: (line: string) => void): Promise<Tools> {
  return { python: await ensureVenv(log), kcat: await ensureKcat(log) };
}
