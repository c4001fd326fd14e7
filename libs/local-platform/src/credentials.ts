import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface DevCredentials {
  shopifyWebhookSecret: string;
  woocommerceWebhookSecret: string;
  stripeWebhookSecret: string;
  /** Created through order-ingest once its tables exist; kept so a second start reuses it. */
  posApiKey?: string;
}

/**
 * Development secrets are random per data directory and kept beside the data, so webhooks that a
 * developer configured keep verifying after a restart, and nothing secret is committed.
 */
export function loadOrCreateCredentials(dataDir: string): DevCredentials {
  const file = credentialsFile(dataDir);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DevCredentials;
  const secret = () => randomBytes(24).toString('base64url');
  const credentials = { shopifyWebhookSecret: secret(), woocommerceWebhookSecret: secret(), stripeWebhookSecret: `whsec_${secret()}` };
  saveCredentials(dataDir, credentials);
  return credentials;
}

export function saveCredentials(dataDir: string, credentials: DevCredentials): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(credentialsFile(dataDir), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

function credentialsFile(dataDir: string): string {
  return path.join(dataDir, 'dev-credentials.json');
}
