import type { DevStack } from '../devstack';
import type { KafkaBrokerHandle } from '../kafka/broker-handle';
import { APACHE_KEY, STACK_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Record<symbol, unknown>;
  const stack = holder[STACK_KEY] as DevStack | undefined;
  const apache = holder[APACHE_KEY] as KafkaBrokerHandle | undefined;
  delete holder[STACK_KEY];
  delete holder[APACHE_KEY];
  await Promise.all([stack?.stop(), apache?.stop()]);
}
