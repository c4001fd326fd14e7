/**
 * Regenerates src/generated/* from schemas/. The output is committed; test/generated.test.ts fails
 * when it is stale. `--check` exits 1 instead of writing when files would change (for CI).
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderGeneratedFiles } from '../src/codegen/typescript';
import { loadEventSchemas } from '../src/schema-files';

const packageDir = resolve(__dirname, '..');
const check = process.argv.includes('--check');
const files = renderGeneratedFiles(loadEventSchemas());
let stale = 0;
for (const file of files) {
  const target = join(packageDir, file.path);
  const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  if (current === file.content) {
    console.log(JSON.stringify({ msg: 'codegen unchanged', file: file.path }));
    continue;
  }
  stale += 1;
  if (check) {
    console.error(JSON.stringify({ msg: 'codegen stale', file: file.path }));
    continue;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  console.log(JSON.stringify({ msg: 'codegen wrote', file: file.path }));
}
if (check && stale > 0) process.exitCode = 1;
