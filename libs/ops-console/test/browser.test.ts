/**
 * The console in Debian's Chromium (headless, through playwright-core): log in with the token, find
 * the demo order by its Shopify number, see its Odoo sale order, replay its dead letter, see the
 * audit entry and the OperatorActionRecorded event leave the outbox. Saves screenshots of the main
 * views (under docs/screenshots/ with OPS_CONSOLE_SCREENSHOTS=1) and prints the first page's weight.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackage } from '@retail-backbone/devstack';
import { REPO_ROOT } from '@retail-backbone/local-platform';
import { createLogger } from '@retail-backbone/observability';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { configFromEnv } from '../src/config';
import { startConsole, type RunningConsole } from '../src/server';
import { eventually } from '@retail-backbone/local-platform';
import { startDemoPlatform, type DemoPlatform } from './platform';

jest.setTimeout(600_000);

const CHROMIUM = '/usr/bin/chromium';
// The README's screenshots are refreshed only on request, so a test run leaves the tree clean.
const SCREENSHOTS = process.env.OPS_CONSOLE_SCREENSHOTS === '1' ? path.join(REPO_ROOT, 'docs', 'screenshots') : fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-shots-'));
const TOKEN = `browser-test-${Date.now()}-0123456789abcdef`;

/** Debian's package, never a browser download; a machine without it gets it from apt. */
async function ensureChromium(): Promise<void> {
  const found = await ensureDebianPackage('chromium', 'chromium', (line) => console.log(line));
  if (!found || !fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing and apt-get could not install it (apt-get install -y chromium, as root)`);
}

let demo: DemoPlatform;
let ops: RunningConsole;
let browser: BrowserContext;
let page: Page;
let profile: string;

beforeAll(async () => {
  await ensureChromium();
  demo = await startDemoPlatform();
  const config = configFromEnv({ ...demo.platform.env, OPS_API_TOKEN: TOKEN, OPS_CONSOLE_PORT: '0', ODOO_LOGIN: demo.platform.odoo.login, REGION: 'test' });
  ops = await startConsole(config, createLogger({ service: 'ops-console', level: 'warn' }));
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-console-chromium-'));
  // A fresh profile directory per run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await ops?.stop();
  await demo?.stop();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

it('logs in, finds the order by its Shopify number, replays its dead letter and shows the audit entry', async () => {
  const sizes: Array<{ url: string; bytes: number }> = [];
  page.on('response', async (response) => {
    const body = await response.body().catch(() => Buffer.alloc(0));
    sizes.push({ url: new URL(response.url()).pathname, bytes: body.length });
  });
  await page.goto(ops.url, { waitUntil: 'networkidle' });
  const firstPage = sizes.reduce((n, s) => n + s.bytes, 0);
  console.log(['first page (before login)', ...sizes.map((s) => `  ${s.url.padEnd(14)} ${String(s.bytes).padStart(7)} B`), `  ${'total'.padEnd(14)} ${String(firstPage).padStart(7)} B`].join('\n'));
  expect(firstPage).toBeLessThan(200 * 1024);
  await shot('login');

  await page.fill('input[name=token]', TOKEN);
  await page.click('button[type=submit]');
  await page.waitForSelector('input[name=q]');
  await page.fill('input[name=q]', demo.order.name);
  await page.click('button[type=submit]');
  await page.waitForSelector(`text=Order ${demo.order.orderId}`);
  await page.waitForSelector(`td >> text="${demo.order.odooName}"`);
  expect(await page.textContent('main')).toContain(`number ${demo.order.name}`);
  await shot('timeline');

  await page.click('a[href="#/overview"]');
  await page.waitForSelector('text=Consumer lag');
  await shot('overview');

  await page.click('a[href="#/dead-letters"]');
  const button = page.locator('button[data-replay^="retail.orders.v1.dlq.odoo-writer/"]').first();
  await button.waitFor();
  const target = await button.getAttribute('data-replay');
  await shot('dead-letters');
  await button.click();
  await page.waitForSelector('#replay-status.ok');
  expect(await page.textContent('#replay-status')).toMatch(/^replayed 1 of \d+ scanned/);

  await page.click('a[href="#/audit"]');
  const row = page.locator('tr', { hasText: 'dead_letters.replay' }).first();
  await row.waitFor();
  const text = await row.textContent();
  expect(text).toContain('local-token (token)');
  expect(text).toContain(target!);
  expect(text).toContain('succeeded');
  await shot('audit');

  const published = await eventually(
    'OperatorActionRecorded published from the console outbox',
    async () => (await demo.pool.query(`SELECT count(*)::int AS n FROM ops_console.outbox WHERE event_type = 'OperatorActionRecorded' AND published_at IS NOT NULL`)).rows[0].n as number,
    (n) => n >= 1,
  );
  expect(published).toBe(1);
});
