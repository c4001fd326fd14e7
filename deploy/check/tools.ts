/**
 * helm and kubeconform at pinned versions, built with `go install` from the Go module proxy into
 * .cache/tools/bin, and the modules that carry the Kubernetes OpenAPI document and the Prometheus
 * Operator and KEDA CRDs. The module download and build caches are Go's own (GOMODCACHE, GOCACHE,
 * per user), so a second clone on the same machine links the tools in seconds instead of
 * compiling helm for minutes; a fresh CI machine pays once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.cache/tools');
const BIN = path.join(TOOLS_DIR, 'bin');

export const PINNED = {
  helm: { module: 'helm.sh/helm/v3/cmd/helm', version: 'v3.21.4' },
  kubeconform: { module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.7.0' },
} as const;

/** Modules whose files are schema sources (downloaded, never built). */
export const SCHEMA_MODULES = {
  kubernetes: { module: 'k8s.io/kubernetes', version: 'v1.34.4', file: 'api/openapi-spec/swagger.json' },
  prometheusOperator: { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.85.0', dir: 'example/prometheus-operator-crd' },
  keda: { module: 'github.com/kedacore/keda/v2', version: 'v2.21.0', dir: 'config/crd/bases' },
} as const;

export class ToolUnavailable extends Error {}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOBIN: BIN,
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local',
  };
}

function goBinary(): string {
  const found = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (found.status !== 0) throw new ToolUnavailable('the go command is not installed (needed to build helm and kubeconform from the Go module proxy)');
  return 'go';
}

/** Path of a pinned tool, building it when missing or of another version (minutes, once). */
export function ensureTool(name: keyof typeof PINNED, log: (line: string) => void): string {
  const { module, version } = PINNED[name];
  const binary = path.join(BIN, name);
  const stamp = `${binary}.version`;
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === version) return binary;
  log(`building ${name} ${version} with go install (first run only; takes minutes)`);
  execFileSync(goBinary(), ['install', `${module}@${version}`], { env: goEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
  writeFileSync(stamp, `${version}\n`);
  return binary;
}

/** Folder of a downloaded module (go mod download; cached). */
export function moduleDir(module: string, version: string): string {
  const out = execFileSync(goBinary(), ['mod', 'download', '-json', `${module}@${version}`], { env: goEnv(), cwd: TOOLS_DIR, encoding: 'utf8' });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new ToolUnavailable(`go mod download ${module}@${version}: ${info.Error ?? 'no folder'}`);
  return info.Dir;
}
