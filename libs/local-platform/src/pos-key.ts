import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateCredentials, saveCredentials } from './credentials';
import type { RunningPlatform } from './launcher';
import { REPO_ROOT } from './launcher';
import { schemaNameOf } from './services';
import { DEMO_STORE } from './traffic/catalog';

const run = promisify(execFile);

/**
 * A development POS key, created the way an operator would (order-ingest's pos-keys CLI) and kept
 * with the other dev credentials so a restart does not invalidate tills that were set up.
 */
export async function ensurePosApiKey(platform: RunningPlatform, dataDir: string): Promise<string> {
  const credentials = loadOrCreateCredentials(dataDir);
  if (credentials.posApiKey) return credentials.posApiKey;
  const cli = path.join('services', 'order-ingest', 'src', 'cli', 'pos-keys.ts');
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', cli, 'create', '--estate', DEMO_STORE.estate, '--store', DEMO_STORE.store, '--location', DEMO_STORE.location, '--label', 'local platform'],
    { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: platform.env.DATABASE_URL, DB_SCHEMA: schemaNameOf('order-ingest') } },
  );
  const { apiKey } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { apiKey?: string };
  if (!apiKey) throw new Error(`pos-keys create printed no key: ${stdout}`);
  saveCredentials(dataDir, { ...credentials, posApiKey: apiKey });
  return apiKey;
}
