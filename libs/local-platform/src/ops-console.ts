import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type RunningPlatform } from './launcher';
import { freePort, waitUntilReady } from './readiness';

/**
 * Starts libs/ops-console as one more supervised process (by path, so local-platform does not
 * depend on the package that tests itself with it) and returns OPS_CONSOLE_URL and OPS_API_TOKEN.
 * The token is random per data directory and kept beside the other development credentials.
 */
export async function startOpsConsole(platform: RunningPlatform): Promise<{ OPS_CONSOLE_URL: string; OPS_API_TOKEN: string }> {
  const tokenFile = path.join(platform.credentialsDir, 'ops-api-token');
  if (!fs.existsSync(tokenFile)) fs.writeFileSync(tokenFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  const port = await freePort();
  const child = platform.supervisor.start({
    name: 'ops-console',
    command: process.execPath,
    args: ['--import', 'tsx', 'libs/ops-console/src/main.ts'],
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...platform.devstack.env,
      ODOO_URL: platform.odoo.url,
      ODOO_DATABASE: platform.odoo.database,
      ODOO_API_KEY: platform.odoo.apiKey,
      ODOO_LOGIN: platform.odoo.login,
      OPS_API_TOKEN: token,
      PORT: String(port),
      REGION: 'local',
    },
  });
  await waitUntilReady(`http://127.0.0.1:${port}/readyz`, 90_000, () => child.exitCode === null && child.signalCode === null);
  return { OPS_CONSOLE_URL: `http://127.0.0.1:${port}`, OPS_API_TOKEN: token };
}
