import type { DevStack } from '../devstack';
import { STACK_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Record<symbol, unknown>;
  const stack = holder[STACK_KEY] as DevStack | undefined;
  delete holder[STACK_KEY];
  await stack?.stop();
}
