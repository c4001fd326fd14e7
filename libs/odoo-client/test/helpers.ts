import { startOdooSimulator, type RunningOdooSimulator } from '@retail-backbone/odoo-simulator';
import { createOdooClient, type OdooCallEvent, type OdooClient, type OdooClientOptions, type OdooProtocol } from '../src';

export interface Harness {
  sim: RunningOdooSimulator;
  client: OdooClient;
  events: OdooCallEvent[];
  makeClient(overrides?: Partial<OdooClientOptions>): OdooClient;
  close(): Promise<void>;
}

export async function startHarness(protocol: OdooProtocol, clientOptions: Partial<OdooClientOptions> = {}): Promise<Harness> {
  const sim = await startOdooSimulator({ apiKeys: ['test-key-1'] });
  const events: OdooCallEvent[] = [];
  const clients: OdooClient[] = [];
  const makeClient = (overrides: Partial<OdooClientOptions> = {}) => {
    const c = createOdooClient({
      url: sim.url,
      database: sim.database,
      apiKey: sim.apiKey,
      login: sim.login,
      protocol,
      timeoutMs: 5_000,
      maxSockets: 4,
      onCall: (e) => events.push(e),
      ...clientOptions,
      ...overrides,
    });
    clients.push(c);
    return c;
  };
  const client = makeClient();
  return {
    sim,
    client,
    events,
    makeClient,
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await sim.stop();
    },
  };
}
