/** The NAME=value settings `pnpm start` prints, as traffic tools read them. */
export const PLATFORM_ENV_NAMES = [
  'ORDER_INGEST_URL',
  'INVENTORY_API_URL',
  'ODOO_WRITER_URL',
  'SHIPMENT_PROPAGATOR_URL',
  'SHOPIFY_ADMIN_URL',
  'WOOCOMMERCE_URL',
  'POS_NOTIFY_URL',
  'CUSTOMER_HOOK_URL',
  'ODOO_URL',
  'ODOO_DATABASE',
  'ODOO_API_KEY',
  'SHOPIFY_WEBHOOK_SECRET',
  'WOOCOMMERCE_WEBHOOK_SECRET',
  'STRIPE_WEBHOOK_SECRET',
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'DATABASE_URL',
  'POS_API_KEY',
  'LOYALTY_SYNC_URL',
  'LOYALTY_PLATFORM_URL',
  'LOYALTY_PLATFORM_API_KEY',
] as const;

/** What sending traffic and reading the summary need (the rest are for inspection). */
export const TRAFFIC_REQUIRED: readonly PlatformEnvName[] = [
  'ORDER_INGEST_URL',
  'INVENTORY_API_URL',
  'ODOO_URL',
  'SHOPIFY_WEBHOOK_SECRET',
  'WOOCOMMERCE_WEBHOOK_SECRET',
  'STRIPE_WEBHOOK_SECRET',
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'POS_API_KEY',
];

export type PlatformEnvName = (typeof PLATFORM_ENV_NAMES)[number];
export type PlatformEnv = Record<PlatformEnvName, string>;

export class MissingSettingsError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`missing platform settings: ${missing.join(', ')} (pass the lines \`pnpm start\` printed)`);
    this.name = 'MissingSettingsError';
  }
}

/** Picks the platform settings out of an environment-like map; throws naming every missing one. */
export function platformEnvFrom(source: Record<string, string | undefined>, required: readonly PlatformEnvName[] = PLATFORM_ENV_NAMES): PlatformEnv {
  const missing = required.filter((name) => !source[name]);
  if (missing.length > 0) throw new MissingSettingsError(missing);
  return Object.fromEntries(PLATFORM_ENV_NAMES.map((name) => [name, source[name] ?? ''])) as PlatformEnv;
}

/** Reads `NAME=value` lines (other lines, like READY or npm's banner, are skipped). */
export function parseEnvLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}

/** Loopback only: the demo must never send traffic off this machine. Unset settings are skipped. */
export function assertLoopback(env: Partial<PlatformEnv>): void {
  const urls = [env.ORDER_INGEST_URL, env.INVENTORY_API_URL, env.ODOO_WRITER_URL, env.ODOO_URL, env.SCHEMA_REGISTRY_URL, env.LOYALTY_SYNC_URL, env.LOYALTY_PLATFORM_URL].filter((u): u is string => !!u);
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').filter((b) => b.trim() !== '');
  const hosts = [...urls.map((u) => new URL(u).hostname), ...brokers.map((b) => b.trim().replace(/:\d+$/, ''))];
  const remote = hosts.filter((h) => !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(h));
  if (remote.length > 0) throw new Error(`refusing to send demo traffic to non-loopback hosts: ${[...new Set(remote)].join(', ')}`);
}
