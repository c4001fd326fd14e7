import { NotificationHookSimulator } from './notification-hook';
import { PosStoresSimulator } from './pos-stores';
import { ShopifySimulator, type ShopifySimulatorOptions } from './shopify';
import { WooCommerceSimulator, type WooCommerceSimulatorOptions } from './woocommerce';

export { SimServer, type Fault, type OutageMode, type RequestLogEntry } from './sim-server';
export { ShopifySimulator, type ShopifySimulatorOptions, type ShopifyOrderState, type ShopifyFulfillment, type ShopifyLineItem } from './shopify';
export { WooCommerceSimulator, type WooCommerceSimulatorOptions, type WooOrderState, type WooLineItem, type WooMeta, type WooNote } from './woocommerce';
export { PosStoresSimulator, type StoreNotification } from './pos-stores';
export { NotificationHookSimulator, HOOK_EVENT_ID_HEADER, HOOK_SIGNATURE_HEADER, type HookDelivery } from './notification-hook';

export interface ChannelSimulators {
  shopify: ShopifySimulator;
  woocommerce: WooCommerceSimulator;
  pos: PosStoresSimulator;
  hook: NotificationHookSimulator;
  /** What a shipment-propagator needs to reach them (its environment variables). */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the four simulators, each on its own loopback port (as separate hosts would be). */
export async function startChannelSimulators(
  options: { shopify?: ShopifySimulatorOptions; woocommerce?: WooCommerceSimulatorOptions; posToken?: string; hookSecret?: string; host?: string } = {},
): Promise<ChannelSimulators> {
  const shopify = new ShopifySimulator(options.shopify);
  const woocommerce = new WooCommerceSimulator(options.woocommerce);
  const pos = new PosStoresSimulator({ token: options.posToken });
  const hook = new NotificationHookSimulator({ secret: options.hookSecret });
  const all = [shopify.server, woocommerce.server, pos.server, hook.server];
  try {
    for (const s of all) await s.listen(0, options.host);
  } catch (error) {
    await Promise.all(all.map((s) => s.close()));
    throw error;
  }
  return {
    shopify,
    woocommerce,
    pos,
    hook,
    env: () => ({
      SHOPIFY_ADMIN_URL: shopify.url,
      SHOPIFY_ACCESS_TOKEN: shopify.accessToken,
      WOOCOMMERCE_URL: woocommerce.url,
      WOOCOMMERCE_CONSUMER_KEY: woocommerce.consumerKey,
      WOOCOMMERCE_CONSUMER_SECRET: woocommerce.consumerSecret,
      POS_NOTIFY_URL: pos.url,
      POS_NOTIFY_TOKEN: pos.token,
      CUSTOMER_HOOK_URL: hook.url,
      CUSTOMER_HOOK_SECRET: hook.secret,
    }),
    close: async () => {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}
