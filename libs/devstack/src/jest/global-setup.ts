import type { DevStack } from '../devstack';
import { startDevStack } from '../devstack';
import { stderrSink, silentSink } from '../log';

/** Shared with global-teardown, which jest runs in this same process. */
export const STACK_KEY = Symbol.for('@retail-backbone/devstack/jest-stack');

/**
 * Starts one throwaway stack (temporary PostgreSQL, in-memory broker) per jest run unless the
 * connection settings are already in the environment, and exports them for the test workers.
 */
export default async function globalSetup(): Promise<void> {
  const verbose = process.env.DEVSTACK_VERBOSE === '1';
  const stack: DevStack = await startDevStack({ persistent: false, log: verbose ? stderrSink : silentSink });
  (globalThis as Record<symbol, unknown>)[STACK_KEY] = stack;
  Object.assign(process.env, stack.env);
  if (verbose) process.stderr.write(`dev stack ready in ${stack.startupMs} ms\n`);
}
