/**
 * The package diagram of docs/architecture.md, generated from the workspace's package.json files
 * (runtime dependencies on other workspace packages), so the picture cannot drift from the code.
 *   pnpm docs:graph          rewrites the block between the markers
 *   pnpm docs:graph --check  exits 1 when the block is stale (the jest suite checks the same)
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DOC = path.join(ROOT, 'docs', 'architecture.md');
const BEGIN = '<!-- package-graph:begin (pnpm docs:graph) -->';
const END = '<!-- package-graph:end -->';
const SCOPE = '@retail-backbone/';

interface WorkspacePackage {
  name: string;
  folder: 'libs' | 'services';
  dependencies: string[];
}

export function workspacePackages(root = ROOT): WorkspacePackage[] {
  const packages: WorkspacePackage[] = [];
  for (const folder of ['libs', 'services'] as const) {
    for (const dir of readdirSync(path.join(root, folder)).sort()) {
      const file = path.join(root, folder, dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name: string; dependencies?: Record<string, string> };
      const dependencies = Object.keys(manifest.dependencies ?? {})
        .filter((name) => name.startsWith(SCOPE))
        .map((name) => name.slice(SCOPE.length))
        .sort();
      packages.push({ name: manifest.name.slice(SCOPE.length), folder, dependencies });
    }
  }
  return packages;
}

const id = (name: string) => name.replace(/[^A-Za-z0-9]/g, '_');

/** A mermaid flowchart: services on top, libs below, an arrow from each package to what it depends on. */
export function mermaidGraph(packages: WorkspacePackage[]): string {
  const lines = ['```mermaid', 'flowchart TD'];
  for (const folder of ['services', 'libs'] as const) {
    lines.push(`  subgraph ${folder}`);
    for (const p of packages.filter((p) => p.folder === folder)) lines.push(`    ${id(p.name)}[${p.name}]`);
    lines.push('  end');
  }
  for (const p of packages) for (const dep of p.dependencies) lines.push(`  ${id(p.name)} --> ${id(dep)}`);
  lines.push('```');
  return lines.join('\n');
}

export function renderedBlock(root = ROOT): string {
  return `${BEGIN}\n${mermaidGraph(workspacePackages(root))}\n${END}`;
}

/** The document with its graph block replaced by the current one. */
export function withCurrentGraph(doc: string, root = ROOT): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path.relative(root, DOC)} has no ${BEGIN} … ${END} block`);
  return doc.slice(0, start) + renderedBlock(root) + doc.slice(end + END.length);
}

if (require.main === module) {
  const doc = readFileSync(DOC, 'utf8');
  const current = withCurrentGraph(doc);
  if (process.argv.includes('--check')) {
    if (current !== doc) {
      process.stderr.write('docs/architecture.md: the package graph is stale; run pnpm docs:graph\n');
      process.exit(1);
    }
    process.stdout.write('docs/architecture.md: package graph up to date\n');
  } else if (current !== doc) {
    writeFileSync(DOC, current);
    process.stdout.write('docs/architecture.md: package graph rewritten\n');
  } else {
    process.stdout.write('docs/architecture.md: package graph already up to date\n');
  }
}
