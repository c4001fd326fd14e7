import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/** Starts the simulator CLI (what local-platform runs in-process) and waits for READY. */
async function startCli(dataFile: string): Promise<{ url: string; key: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../src/cli.ts'), '--data-file', dataFile, '--api-key', 'persist'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const env: Record<string, string> = {};
  for await (const line of lines) {
    if (line === 'READY') break;
    const [k, v] = line.split('=');
    env[k!] = v!;
  }
  return {
    url: env.ODOO_URL!,
    key: env.ODOO_API_KEY!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function call<T>(sim: { url: string; key: string }, model: string, method: string, body: unknown): Promise<T> {
  const res = await fetch(`${sim.url}/json/2/${model}/${method}`, {
    method: 'POST',
    headers: { authorization: `bearer ${sim.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${model}.${method}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('records kept in --data-file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'odoo-sim-data-'));
  const dataFile = path.join(dir, 'odoo-simulator', 'records.json');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the sale orders, names and sequences of the previous run after a stop and start', async () => {
    let sim = await startCli(dataFile);
    const partner = await call<number>(sim, 'res.partner', 'create', { vals_list: { name: 'Kept customer' } });
    const [product] = await call<number[]>(sim, 'product.product', 'search', { domain: [['default_code', '=', 'RB-MUG']] });
    const order = await call<number>(sim, 'sale.order', 'create', { vals_list: { partner_id: partner, client_order_ref: '#1001', order_line: [[0, 0, { product_id: product, product_uom_qty: 2 }]] } });
    await call(sim, 'sale.order', 'action_confirm', { ids: [order] });
    await sim.stop();

    sim = await startCli(dataFile);
    const rows = await call<Array<Record<string, unknown>>>(sim, 'sale.order', 'search_read', { domain: [['client_order_ref', '=', '#1001']], fields: ['name', 'state', 'partner_id', 'amount_total'] });
    expect(rows).toEqual([{ id: order, name: 'S00001', state: 'sale', partner_id: [partner, 'Kept customer'], amount_total: 19 }]);
    const next = await call<number>(sim, 'sale.order', 'create', { vals_list: { partner_id: partner } });
    expect((await call<Array<{ name: string }>>(sim, 'sale.order', 'read', { ids: [next], fields: ['name'] }))[0]!.name).toBe('S00002');
    // the seeded catalogue is not added again on top of the kept one
    expect(await call<number>(sim, 'product.product', 'search_count', { domain: [['default_code', '=', 'RB-MUG']] })).toBe(1);
    await sim.stop();

    fs.rmSync(dataFile); // what local-platform's --fresh does
    sim = await startCli(dataFile);
    expect(await call<number>(sim, 'sale.order', 'search_count', { domain: [] })).toBe(0);
    await sim.stop();
  });
});
