/**
 * The services the local platform runs, each as its own process, and the settings each one gets
 * on top of the shared connection settings. Adding a service here is all the launcher needs.
 */
export interface ServiceDefinition {
  name: string;
  entry: string;
  /** Consumer groups whose DLQ topics are provisioned up front: `topic:group`. */
  consumes: string[];
  /** Database schema, when the process shares another service's (default: from its name). */
  schema?: string;
  extraEnv(ctx: LaunchContext): Record<string, string>;
}

export interface LaunchContext {
  odoo: { url: string; database: string; apiKey: string; login: string };
  secrets: { shopify: string; woocommerce: string; stripe: string };
  /** How to reach the channel simulators (SHOPIFY_ADMIN_URL, …, CUSTOMER_HOOK_SECRET). */
  channels: Record<string, string>;
  loyalty: { url: string; apiKey: string };
}

/** How odoo-writer's processes reach the simulator (JSON-2 with an API key). */
function odooEnv(odoo: LaunchContext['odoo']): Record<string, string> {
  return { ODOO_URL: odoo.url, ODOO_DATABASE: odoo.database, ODOO_API_KEY: odoo.apiKey, ODOO_LOGIN: odoo.login, ODOO_PROTOCOL: 'json2' };
}

export const SERVICES: readonly ServiceDefinition[] = [
  {
    name: 'order-ingest',
    entry: 'services/order-ingest/src/main.ts',
    consumes: [],
    extraEnv: ({ secrets }) => ({
      SHOPIFY_WEBHOOK_SECRET: secrets.shopify,
      WOOCOMMERCE_WEBHOOK_SECRET: secrets.woocommerce,
      STRIPE_WEBHOOK_SECRET: secrets.stripe,
    }),
  },
  {
    name: 'inventory-projector',
    entry: 'services/inventory-projector/src/main.ts',
    consumes: ['retail.stock-movements.v1', 'retail.orders.v1', 'retail.shipments.v1'].map((t) => `${t}:inventory-projector`),
    extraEnv: () => ({}),
  },
  {
    name: 'odoo-writer',
    entry: 'services/odoo-writer/src/main.ts',
    consumes: ['retail.orders.v1', 'retail.shipments.v1'].map((t) => `${t}:odoo-writer`),
    extraEnv: ({ odoo }) => odooEnv(odoo),
  },
  {
    // odoo-writer's second process: reads what changed in Odoo, emits through the writer's outbox
    name: 'odoo-watcher',
    entry: 'services/odoo-writer/src/watcher-main.ts',
    consumes: [],
    schema: 'odoo_writer',
    extraEnv: ({ odoo }) => ({ ...odooEnv(odoo), WATCH_POLL_INTERVAL_MS: '1000' }),
  },
  {
    name: 'shipment-propagator',
    entry: 'services/shipment-propagator/src/main.ts',
    consumes: ['retail.orders.v1', 'retail.shipments.v1'].map((t) => `${t}:shipment-propagator`),
    extraEnv: ({ channels }) => ({ ...channels }),
  },
  {
    name: 'loyalty-sync',
    entry: 'services/loyalty-sync/src/main.ts',
    consumes: ['retail.orders.v1', 'retail.payments.v1', 'retail.shipments.v1'].map((t) => `${t}:loyalty-sync`),
    extraEnv: ({ loyalty }) => ({ LOYALTY_PLATFORM_URL: loyalty.url, LOYALTY_PLATFORM_API_KEY: loyalty.apiKey }),
  },
];

export function schemaNameOf(service: string): string {
  return service.replace(/-/g, '_');
}
