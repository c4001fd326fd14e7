import { spawn } from 'node:child_process';
import path from 'node:path';
import { uniqueName } from '@retail-backbone/devstack';
import { orderPlaced, startHarness, waitFor, type Harness } from './harness';

describe('odoo-writer recovery over JSON-RPC', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ protocol: 'jsonrpc', simulator: { latencyMs: 2 } });
  });

  afterAll(async () => {
    await h?.close();
  });

  const synced = async (orderId: string) => (await h.outbox('OrderSyncedToErp')).filter((e) => e.orderId === orderId && e.operation === 'create');

  it('finds the order a killed writer created before its inbox commit, and confirms it once', async () => {
    const id = `pos:crash.example:${uniqueName('o')}`;
    await h.publish('OrderPlaced', orderPlaced(id));
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/crash-worker.ts')], {
      cwd: path.resolve(__dirname, '../../..'),
      env: { ...process.env, WRITER_CONFIG: JSON.stringify(h.config) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => worker.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    // the crash left a draft order without its external id, and no local trace but the intent
    expect(h.saleOrders(id)).toEqual([expect.objectContaining({ state: 'draft' })]);

    await h.start();
    await waitFor(async () => (await synced(id)).length === 1, 40_000);
    const orders = h.saleOrders(id);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.state).toBe('sale');
    expect(h.sim.records('ir.model.data').filter((x) => x.model === 'sale.order' && x.res_id === orders[0]!.id)).toHaveLength(1);
  }, 60_000);

  it('pauses consumption while Odoo is down and writes every order once after it recovers', async () => {
    const writer = h.writer!;
    await h.sim.control.setOutage('503');
    const ids = Array.from({ length: 6 }, () => `pos:outage.example:${uniqueName('o')}`);
    for (const id of ids) await h.publish('OrderPlaced', orderPlaced(id));
    await waitFor(() => writer.gateway.isOpen);
    await waitFor(() => writer.runner.kafkaConsumer.paused().length > 0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(ids.flatMap((id) => h.saleOrders(id))).toHaveLength(0);

    await h.sim.control.setOutage(null);
    await waitFor(async () => (await Promise.all(ids.map(synced))).every((events) => events.length === 1), 30_000);
    for (const id of ids) expect(h.saleOrders(id)).toHaveLength(1);
    expect(writer.gateway.isOpen).toBe(false);
    expect(writer.runner.kafkaConsumer.paused()).toHaveLength(0);
    expect(await h.dlqCount()).toBe(0);
    expect((await writer.retrier.summary()).parked).toBe(0);
  }, 60_000);
});
