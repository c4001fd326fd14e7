/**
 * What the code declares, read from the source: the Prometheus metrics it registers and the
 * environment variables each service reads (its zod env schema, the service kit's base schema,
 * libs/connections' security variables and the OpenTelemetry switches of libs/observability).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools';

const read = (rel: string) => readFileSync(path.join(REPO_ROOT, rel), 'utf8');

function sourceFiles(dir: string): string[] {
  const abs = path.join(REPO_ROOT, dir);
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)));
}

/** Metric names registered with prom-client in libs/messaging, libs/observability and services/*. */
export function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const dirs = ['libs/messaging/src', 'libs/observability/src', ...readdirSync(path.join(REPO_ROOT, 'services')).map((s) => `services/${s}/src`)];
  for (const file of dirs.flatMap(sourceFiles)) {
    const text = read(file);
    if (!/prom-client|\bcounter\(|\bgauge\(|\bhistogram\(/.test(text)) continue;
    for (const m of text.matchAll(/new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-z_:][a-z0-9_:]*)'/g)) names.add(m[1]!);
    for (const m of text.matchAll(/\b(?:counter|gauge|histogram)\(\s*(?:\w+,\s*)?'([a-z_:][a-z0-9_:]*)'/g)) names.add(m[1]!);
  }
  return names;
}

const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'rate', 'irate', 'increase', 'delta', 'deriv', 'and', 'or', 'unless', 'on', 'ignoring',
  'histogram_quantile', 'le', 'bool', 'offset', 'topk', 'bottomk', 'abs', 'clamp_min', 'clamp_max', 'time', 'vector', 'label_values',
]);

/** Metric names a PromQL expression uses (label names inside {...} and by (...) are left out). */
export function metricsInExpr(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '{}').replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '').replace(/"[^"]*"/g, '""');
  const names = [...withoutLabels.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g)].map((m) => m[1]!);
  return names.filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n) && !/^[0-9]+[smhd]$/.test(n) && n !== 'namespace');
}

/** A histogram's series carry suffixes; the registered name is the base. */
export function baseMetricName(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}

export interface EnvVar {
  name: string;
  /** The code has a default or treats the variable as optional. */
  optional: boolean;
  source: string;
}

/** Variables declared in a zod object literal: `NAME: <schema>` up to the next declaration. */
function zodVars(rel: string, block?: RegExp): EnvVar[] {
  let text = read(rel);
  if (block) text = text.match(block)?.[0] ?? '';
  const lines = text.split('\n');
  const vars: EnvVar[] = [];
  lines.forEach((line, i) => {
    const m = line.match(/^\s*([A-Z][A-Z0-9_]{2,}):\s*(.*)$/);
    if (!m) return;
    let chunk = m[2]!;
    for (let j = i + 1; j < lines.length && !/^\s*([A-Z][A-Z0-9_]{2,}):/.test(lines[j]!) && !/^\s*\}\)/.test(lines[j]!); j++) chunk += lines[j];
    vars.push({ name: m[1]!, optional: /\.default\(|\.optional\(\)|optionalText|optionalSecret/.test(chunk), source: rel });
  });
  return vars;
}

/** Every variable a service's config (or the shared kit it builds on) reads. */
export function envReadBy(servicePackage: string): EnvVar[] {
  const configFile = `services/${servicePackage}/src/config.ts`;
  const vars = [...zodVars(configFile)];
  const byName = new Map(vars.map((v) => [v.name, v]));
  const add = (v: EnvVar) => {
    if (!byName.has(v.name)) {
      byName.set(v.name, v);
      vars.push(v);
    }
  };
  if (read(configFile).includes('baseServiceEnv')) {
    for (const v of zodVars('libs/observability/src/service/config.ts', /baseServiceEnv = z\.object\(\{[\s\S]*?\n\}\);/)) add(v);
  }
  // Connection security: each optional on its own (libs/connections checks the combinations).
  for (const v of zodVars('libs/connections/src/index.ts', /const connectionEnv = z\.object\(\{[\s\S]*?\n\}\);/)) add({ ...v, optional: true });
  for (const m of read('libs/observability/src/tracing.ts').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) add({ name: m[1]!, optional: true, source: 'libs/observability/src/tracing.ts' });
  return vars;
}

/** GitHub-style anchors of the headings of a Markdown file. */
export function markdownAnchors(rel: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of read(rel).split('\n')) {
    const m = line.match(/^#{1,6}\s+(.*)$/);
    if (!m) continue;
    anchors.add(
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}
