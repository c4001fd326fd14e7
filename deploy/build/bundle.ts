/**
 * Production bundle of one package's entry points: `tsx ../../deploy/build/bundle.ts src/main.ts ...`
 * run in the package folder (its `build` script). Writes dist/bin/<entry>.js.
 *
 * Why a bundle: the workspace libraries are TypeScript source packages (their `main` is
 * src/index.ts, which tests, typecheck and tsx rely on), so plain `node` cannot load them. esbuild
 * inlines every @retail-backbone/* import and leaves third-party packages external: those stay
 * ordinary node_modules, resolved at run time from the production install (OpenTelemetry patches
 * modules as they are required, which only works for modules that are not bundled).
 *
 * Files read at run time through `__dirname` (SQL migrations, the Avro schemas) are copied to
 * dist/bin/assets/<path in the repository>, and `__dirname` in each workspace source file is
 * rewritten to that copy of its own folder, so every library keeps finding its own files.
 * The Dockerfile and `pnpm deploy:check` both build through this script.
 */
import { build, type Plugin } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');
const WORKSPACE_SCOPE = '@retail-backbone/';

export interface BundleResult {
  entries: string[];
  /** Repository-relative folders whose run-time files were copied next to the bundle. */
  assetDirs: string[];
  externals: string[];
}

/** Files that code finds through `__dirname` at run time: everything that is not source. */
function isRunTimeAsset(file: string): boolean {
  return !/\.(ts|tsx|map)$/.test(file);
}

function copyAssets(fromDir: string, toDir: string): number {
  let copied = 0;
  for (const entry of readdirSync(fromDir, { withFileTypes: true })) {
    const from = path.join(fromDir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'generated') continue;
      copied += copyAssets(from, path.join(toDir, entry.name));
    } else if (isRunTimeAsset(entry.name)) {
      mkdirSync(toDir, { recursive: true });
      cpSync(from, path.join(toDir, entry.name));
      copied += 1;
    }
  }
  return copied;
}

export async function bundlePackage(packageDir: string, entries: string[], outDir = path.join(packageDir, 'dist')): Promise<BundleResult> {
  if (entries.length === 0) throw new Error('bundle: name at least one entry point (e.g. src/main.ts)');
  const binDir = path.join(outDir, 'bin');
  rmSync(binDir, { recursive: true, force: true });
  const dirnameUsers = new Set<string>();
  const externals = new Set<string>();

  const workspaceOnly: Plugin = {
    name: 'workspace-inline',
    setup(b) {
      // Bare imports: inline the workspace's own packages, leave every other package to node_modules.
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith(WORKSPACE_SCOPE) || args.path.startsWith('node:')) return undefined;
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]!;
        externals.add(name);
        return { path: args.path, external: true };
      });
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('__dirname')) return undefined;
        const relDir = path.relative(REPO_ROOT, path.dirname(args.path));
        if (relDir.startsWith('..')) throw new Error(`bundle: ${args.path} uses __dirname but is outside the repository`);
        dirnameUsers.add(relDir);
        const rewritten = source.replace(/\b__dirname\b/g, `__bundleAssetDir(${JSON.stringify(relDir)})`);
        return { contents: rewritten, loader: 'ts' };
      });
    },
  };

  await build({
    absWorkingDir: packageDir,
    entryPoints: entries.map((entry) => ({ in: entry, out: entry.replace(/^src\//, '').replace(/\.ts$/, '') })),
    outdir: binDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [workspaceOnly],
    banner: {
      js: "const __bundleAssetDir = (dir) => require('node:path').join(__dirname, 'assets', dir);",
    },
  });

  // A folder inside another one that is copied anyway needs no copy of its own.
  const assetDirs = [...dirnameUsers].sort().filter((dir, _i, all) => !all.some((other) => other !== dir && dir.startsWith(`${other}/`)));
  // Entries in sub-folders (dist/bin/cli/x.js) have their own __dirname: give each folder the assets.
  const binFolders = new Set(entries.map((entry) => path.dirname(entry.replace(/^src\//, ''))));
  for (const folder of binFolders) {
    const assetsRoot = path.join(binDir, folder, 'assets');
    for (const relDir of assetDirs) copyAssets(path.join(REPO_ROOT, relDir), path.join(assetsRoot, relDir));
    cpSync(path.join(REPO_ROOT, 'schemas'), path.join(assetsRoot, 'schemas'), { recursive: true });
  }
  // The assembly step checks that the production install resolves each of these.
  writeFileSync(path.join(binDir, 'externals.json'), `${JSON.stringify([...externals].sort(), null, 2)}\n`);
  return { entries: entries.map((entry) => path.join(binDir, entry.replace(/^src\//, '').replace(/\.ts$/, '.js'))), assetDirs, externals: [...externals].sort() };
}

if (require.main === module) {
  const entries = process.argv.slice(2);
  const packageDir = process.cwd();
  bundlePackage(packageDir, entries)
    .then((result) => {
      const rel = (p: string) => path.relative(packageDir, p);
      const size = result.entries.reduce((sum, file) => sum + statSync(file).size, 0);
      process.stdout.write(
        `bundled ${result.entries.map(rel).join(', ')} (${Math.round(size / 1024)} kB); assets from ${result.assetDirs.join(', ') || 'none'}; external: ${result.externals.join(' ')}\n`,
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`bundle failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
