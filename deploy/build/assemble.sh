#!/bin/sh
# Assembles the production tree from a built workspace (`pnpm build` already ran):
#   OUT/<package>/package.json, OUT/<package>/node_modules (production dependencies only),
#   OUT/<package>/dist/bin/*.js (the bundles) for every package whose build bundles entry points.
# Used by deploy/Dockerfile and by `pnpm deploy:check`, so what the check starts is what ships.
#
# Usage: sh deploy/build/assemble.sh OUT [--reuse-modules DIR]
#   --reuse-modules DIR: copy node_modules from DIR/<package> instead of installing (deploy:check
#   caches an install per lockfile; the image always installs).
set -eu

out=${1:?usage: assemble.sh OUT [--reuse-modules DIR]}
reuse=""
if [ "${2:-}" = "--reuse-modules" ]; then reuse=${3:?--reuse-modules needs a folder}; fi
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

# A package ships when its build script bundles (deploy/build/bundle.ts); the rest are libraries
# inlined into those bundles, or development tools.
packages=$(grep -l 'deploy/build/bundle.ts' libs/*/package.json services/*/package.json | xargs -n1 dirname)
mkdir -p "$out"
staging="$out/.staging"
rm -rf "$staging"

for pkg in $packages; do
  if [ ! -d "$pkg/dist/bin" ]; then
    echo "assemble: $pkg/dist/bin is missing: run pnpm build first" >&2
    exit 1
  fi
  rm -rf "${out:?}/$pkg"
  mkdir -p "$out/$pkg/dist"
  if [ -n "$reuse" ] && [ -d "$reuse/$pkg/node_modules" ]; then
    cp -al "$reuse/$pkg/node_modules" "$out/$pkg/node_modules" 2>/dev/null || cp -a "$reuse/$pkg/node_modules" "$out/$pkg/node_modules"
    cp "$pkg/package.json" "$out/$pkg/package.json"
  else
    # --legacy: the workspace does not inject its packages; the hoisted linker gives one flat
    # node_modules per package, so the bundle finds the dependencies of the libraries it inlined.
    pnpm --filter "./$pkg" deploy --legacy --prod --prefer-offline --config.node-linker=hoisted "$staging/$pkg" >/dev/null
    mv "$staging/$pkg/node_modules" "$out/$pkg/node_modules"
    cp "$staging/$pkg/package.json" "$out/$pkg/package.json"
    # The deployed copies of workspace libraries carry their TypeScript source; the bundles do not need it.
    rm -rf "$out/$pkg/node_modules/@retail-backbone"
  fi
  cp -R "$pkg/dist/bin" "$out/$pkg/dist/bin"
  # Every package a bundle leaves external must resolve from where the bundle runs.
  (cd "$out/$pkg/dist/bin" && node -e '
    const missing = require("./externals.json").filter((name) => { try { require.resolve(name + "/package.json"); return false; } catch { try { require.resolve(name); return false; } catch { return true; } } });
    if (missing.length > 0) { console.error("assemble: " + process.argv[1] + " cannot resolve " + missing.join(", ")); process.exit(1); }
  ' "$pkg")
  echo "assembled $pkg"
done
rm -rf "$staging"
