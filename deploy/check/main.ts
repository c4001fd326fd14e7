/**
 * `pnpm deploy:check` (part of `pnpm test`): the deployment, checked without a cluster or Docker.
 * 1. helm lint and helm template of every values file; kubeconform (strict) of what is rendered
 *    against the Kubernetes, Prometheus Operator and KEDA schemas (offline, see schemas.ts);
 * 2. values.schema.json refuses a wrong value, and says which;
 * 3. cross-checks on the eu-west release: every service has a Deployment, every alert and
 *    dashboard metric is registered in the code, every runbook link has its section, every
 *    variable a service needs is set by the chart and every variable the chart sets is read;
 * 4. the production tree built as the Dockerfile builds it (pnpm build + deploy/build/assemble.sh),
 *    its provisioning CLI run against a dev stack, and inventory-projector started from it: ready
 *    (200 on /readyz), then SIGTERM, exit code 0.
 * A missing tool fails with CI=true; on a developer machine without Go the chart steps say they
 * are skipped and the rest still runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { baseMetricName, envReadBy, markdownAnchors, metricsInExpr, registeredMetrics } from './code-facts';
import { ensureSchemas, SCHEMA_LOCATION } from './schemas';
import { ensureTool, REPO_ROOT, ToolUnavailable } from './tools';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

const CHART = path.join(REPO_ROOT, 'helm/retail-backbone');
const RUNBOOK = 'docs/runbook.md';
const started = Date.now();
const failures: string[] = [];
const summary: string[] = [];
const log = (line: string) => process.stdout.write(`deploy:check: ${line}\n`);
const fail = (line: string) => {
  failures.push(line);
  process.stdout.write(`deploy:check: FAIL ${line}\n`);
};

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function valuesFiles(): string[] {
  return readdirSync(CHART).filter((f) => /^values-.+\.yaml$/.test(f)).sort();
}

function render(helm: string, valuesFile: string, extra: string[] = []): { status: number; objects: K8sObject[]; text: string; stderr: string } {
  const r = run(helm, ['template', 'rb', CHART, '-f', path.join(CHART, valuesFile), ...extra]);
  const objects = r.status === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean) : [];
  return { status: r.status, objects, text: r.stdout, stderr: r.stderr };
}

function chartChecks(): void {
  let helm: string;
  let kubeconform: string;
  try {
    helm = ensureTool('helm', log);
    kubeconform = ensureTool('kubeconform', log);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true' || !(error instanceof ToolUnavailable)) {
      fail(`helm/kubeconform unavailable: ${message}`);
    } else {
      log(`SKIPPED helm lint, helm template and kubeconform: ${message} (with CI=true this fails)`);
    }
    return;
  }
  const workDir = mkdtempSync(path.join(tmpdir(), 'deploy-check-render-'));
  let euWest: K8sObject[] = [];
  for (const file of valuesFiles()) {
    const lint = run(helm, ['lint', CHART, '-f', path.join(CHART, file), '--strict']);
    if (lint.status !== 0) fail(`helm lint -f ${file}:\n${lint.stdout}${lint.stderr}`);
    const rendered = render(helm, file);
    if (rendered.status !== 0) {
      fail(`helm template -f ${file}: ${rendered.stderr.trim()}`);
      continue;
    }
    const out = path.join(workDir, file);
    writeFileSync(out, rendered.text);
    const kinds = [...new Map(rendered.objects.map((o) => [`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind }])).values()];
    const notFound = ensureSchemas(kinds, log);
    if (notFound.length > 0) fail(`no schema for ${notFound.join(', ')}`);
    const kc = run(kubeconform, ['-strict', '-summary', '-output', 'text', '-schema-location', SCHEMA_LOCATION, out]);
    if (kc.status !== 0) fail(`kubeconform ${file}:\n${kc.stdout}${kc.stderr}`);
    else log(`${file}: lint ok, ${rendered.objects.length} objects, kubeconform: ${kc.stdout.trim().split('\n').at(-1)}`);
    if (file === 'values-eu-west.yaml') euWest = rendered.objects;
  }
  rmSync(workDir, { recursive: true, force: true });

  // values.schema.json must refuse a wrong value before anything renders.
  const wrong = render(helm, 'values-eu-west.yaml', ['--set', 'kafka.minInsyncReplicas=0']);
  const message = wrong.stderr.split('\n').find((l) => l.includes('/kafka/minInsyncReplicas'));
  if (wrong.status === 0 || !message) fail(`kafka.minInsyncReplicas=0 was not refused by values.schema.json (exit ${wrong.status}): ${wrong.stderr}`);
  else summary.push(`schema refused kafka.minInsyncReplicas=0: ${message.trim()}`);

  if (euWest.length > 0) crossChecks(euWest);
}

function crossChecks(objects: K8sObject[]): void {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  summary.push(`eu-west release: ${[...counts].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const nameOf = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/name'] ?? o.metadata.name;

  // Every service with an entry point has a Deployment, and the HTTP one leaves the relay to its own.
  const services = readdirSync(path.join(REPO_ROOT, 'services')).filter((s) => existsSync(path.join(REPO_ROOT, 'services', s, 'src/main.ts')));
  for (const s of services) if (!deployments.some((d) => nameOf(d) === s)) fail(`service ${s} has no Deployment in eu-west`);
  const container = (d: K8sObject) => d.spec.template.spec.containers[0];
  const envOf = (d: K8sObject) => new Map<string, any>((container(d).env ?? []).map((e: any) => [e.name, e]));
  const ingest = deployments.find((d) => nameOf(d) === 'order-ingest');
  if (ingest && envOf(ingest).get('RUN_RELAY')?.value !== 'false') fail('order-ingest must run with RUN_RELAY=false (the relay has its own Deployment)');
  if (!deployments.some((d) => container(d).args.includes('services/order-ingest/dist/bin/relay-main.js'))) fail('no Deployment runs the order-ingest relay');

  // Each Deployment's entry is a bundle the build produces.
  for (const d of deployments) {
    const entry: string = container(d).args.find((a: string) => a.endsWith('.js'));
    const pkg = entry.split('/dist/')[0]!;
    const src = entry.replace(`${pkg}/dist/bin/`, 'src/').replace(/\.js$/, '.ts');
    const build: string = JSON.parse(readFileSync(path.join(REPO_ROOT, pkg, 'package.json'), 'utf8')).scripts?.build ?? '';
    if (!build.includes(src)) fail(`${nameOf(d)} runs ${entry}, but ${pkg}'s build script does not bundle ${src}`);
  }

  // Environment: what the code needs is set; what the chart sets is read.
  let read = 0;
  let optional = 0;
  for (const d of deployments) {
    const entry: string = container(d).args.find((a: string) => a.endsWith('.js'));
    const pkg = entry.split('/')[1]!;
    const vars = envReadBy(pkg);
    const set = envOf(d);
    read += vars.length;
    for (const v of vars) {
      if (set.has(v.name)) continue;
      if (v.optional) optional += 1;
      else fail(`${nameOf(d)}: ${v.name} is required by ${v.source} but the chart does not set it`);
    }
    for (const name of set.keys()) {
      if (!vars.some((v) => v.name === name)) fail(`${nameOf(d)}: the chart sets ${name}, which ${pkg} never reads`);
    }
  }
  summary.push(`env: ${read} variables read by ${deployments.length} Deployments; every required one set; ${optional} left to their code defaults (optional)`);

  // Alerts and dashboards use only metrics the code registers; runbook links land on a section.
  const known = registeredMetrics();
  const exprs: Array<{ where: string; expr: string }> = [];
  const anchors = markdownAnchors(RUNBOOK);
  let alerts = 0;
  for (const rule of objects.filter((o) => o.kind === 'PrometheusRule')) {
    for (const group of rule.spec.groups) {
      for (const r of group.rules) {
        alerts += 1;
        exprs.push({ where: `alert ${r.alert}`, expr: r.expr });
        const url: string = r.annotations?.runbook_url ?? '';
        const anchor = url.split('#')[1];
        if (!url.includes(RUNBOOK) || !anchor || !anchors.has(anchor)) fail(`alert ${r.alert}: runbook_url ${url || '(none)'} has no section in ${RUNBOOK}`);
      }
    }
  }
  let panels = 0;
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard)) {
    for (const [file, text] of Object.entries(cm.data ?? {})) {
      const board = JSON.parse(text) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }>; templating?: { list: Array<{ query?: string }> } };
      for (const p of board.panels) {
        panels += 1;
        for (const t of p.targets) exprs.push({ where: `${file} panel "${p.title}"`, expr: t.expr });
      }
      for (const v of board.templating?.list ?? []) {
        const m = v.query?.match(/label_values\((\w+)/);
        if (m) exprs.push({ where: `${file} variable`, expr: m[1]! });
      }
    }
  }
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    for (const name of metricsInExpr(expr)) {
      used.add(baseMetricName(name));
      if (!known.has(baseMetricName(name))) fail(`${where}: metric ${name} is not registered anywhere in the code`);
    }
  }
  summary.push(`monitoring: ${alerts} alerts and ${panels} dashboard panels use ${used.size} metrics, all registered in the code; ${alerts} runbook links resolve`);

  // Provisioning: production replication and the DLQs come with the topics.
  const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.endsWith('-provision'));
  const args: string[] = job ? job.spec.template.spec.containers[0].args : [];
  const argAfter = (flag: string) => args[args.indexOf(flag) + 1];
  if (!job) fail('no provisioning Job in eu-west');
  else if (argAfter('--replication-factor') !== '3' || argAfter('--min-insync-replicas') !== '2') fail(`provisioning Job runs with ${args.join(' ')}; production wants replication 3, min.insync 2`);
}

/** Asynchronous: the dev stack's broker and registry run in this process and must keep answering. */
function runAsync(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

/**
 * pnpm links every dependency of a workspace package into its node_modules; a real folder there
 * means something re-linked the development tree (pnpm deploy once did), which breaks the tests.
 */
function workspaceLinksReplaced(): string[] {
  const replaced: string[] = [];
  for (const dir of ['libs', 'services']) {
    for (const pkg of readdirSync(path.join(REPO_ROOT, dir))) {
      const modules = path.join(REPO_ROOT, dir, pkg, 'node_modules');
      if (!existsSync(modules)) continue;
      for (const entry of readdirSync(modules, { withFileTypes: true })) {
        if (entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.startsWith('@')) replaced.push(`${dir}/${pkg}/node_modules/${entry.name}`);
      }
    }
  }
  return replaced;
}

/** node_modules of a production install depend only on the lockfile and the manifests: cache per hash. */
function modulesCacheKey(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(REPO_ROOT, 'pnpm-lock.yaml')));
  for (const dir of ['libs', 'services']) {
    for (const p of readdirSync(path.join(REPO_ROOT, dir)).sort()) {
      const manifest = path.join(REPO_ROOT, dir, p, 'package.json');
      if (existsSync(manifest)) hash.update(readFileSync(manifest));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

async function waitFor(what: string, deadlineMs: number, probe: () => Promise<boolean>, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const gone = exited();
    if (gone) throw new Error(`${what}: the process exited first (${gone})`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function productionSmoke(): Promise<void> {
  const t0 = Date.now();
  const build = run('pnpm', ['build', '--output-logs=errors-only']);
  if (build.status !== 0) return fail(`pnpm build:\n${build.stdout}${build.stderr}`);
  const cacheRoot = path.join(REPO_ROOT, '.cache/deploy-check');
  const modules = path.join(cacheRoot, `prod-modules-${modulesCacheKey()}`);
  const tree = path.join(cacheRoot, 'tree');
  const reuse = existsSync(path.join(modules, '.complete'));
  const assemble = run('sh', ['deploy/build/assemble.sh', reuse ? tree : modules, ...(reuse ? ['--reuse-modules', modules] : [])]);
  if (assemble.status !== 0) return fail(`deploy/build/assemble.sh:\n${assemble.stdout}${assemble.stderr}`);
  if (!reuse) {
    writeFileSync(path.join(modules, '.complete'), '');
    for (const old of readdirSync(cacheRoot).filter((d) => d.startsWith('prod-modules-') && path.join(cacheRoot, d) !== modules)) rmSync(path.join(cacheRoot, old), { recursive: true, force: true });
  }
  const root = reuse ? tree : modules;
  log(`production tree assembled in ${((Date.now() - t0) / 1000).toFixed(1)} s (${reuse ? 'cached production install' : 'fresh production install'})`);
  const relinked = workspaceLinksReplaced();
  if (relinked.length > 0) fail(`assembling the production tree replaced the workspace's own links (${relinked.join(', ')}): run pnpm install`);
  if (existsSync(path.join(root, 'node_modules')) || readdirSync(path.join(root, 'services/inventory-projector/node_modules')).some((n) => ['typescript', 'tsx', 'jest', '@retail-backbone'].includes(n))) {
    fail('the production tree carries development packages');
  }

  const { freePort, startDevStack, silentSink } = await import('../../libs/devstack/src');
  const stack = await startDevStack({ env: {}, log: silentSink });
  try {
    const env = { PATH: process.env.PATH, NODE_ENV: 'production', ...stack.env, REGION: 'deploy-check', LOG_LEVEL: 'warn' };
    const provision = await runAsync('node', [path.join(root, 'libs/contracts/dist/bin/cli/provision.js'), '--replication-factor', '1', '--min-insync-replicas', '1'], { cwd: root, env });
    if (provision.status !== 0) return fail(`provisioning bundle exited ${provision.status}: ${provision.stderr}`);
    const topics = provision.stdout.split('\n').filter((l) => l.includes('"msg":"topic"')).length;
    const port = await freePort();
    const child = spawn('node', ['--enable-source-maps', path.join(root, 'services/inventory-projector/dist/bin/main.js')], {
      cwd: root,
      env: { ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    let exit: string | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => {
      exit = `code ${code}, signal ${signal}`;
      resolve(code);
    }));
    try {
      await waitFor('inventory-projector /readyz 200', 120_000, async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
        } catch {
          return false;
        }
      }, () => exit);
    } catch (error) {
      child.kill('SIGKILL');
      return fail(`${error instanceof Error ? error.message : String(error)}\n${stderr}`);
    }
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) return fail(`inventory-projector exited ${exit} after SIGTERM:\n${stderr}`);
    summary.push(`image tree: ${topics} topics provisioned by the bundled CLI; inventory-projector bundle ready (200 /readyz), SIGTERM -> exit 0`);
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  mkdirSync(path.join(REPO_ROOT, '.cache'), { recursive: true });
  chartChecks();
  await productionSmoke();
  for (const line of summary) log(line);
  log(`${failures.length === 0 ? 'passed' : `${failures.length} failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`deploy:check: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

