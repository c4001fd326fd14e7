/** `pnpm --filter @retail-backbone/contracts asyncapi`: writes libs/contracts/asyncapi.yaml (`--check` to verify instead). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ASYNCAPI_PATH, renderAsyncApiYaml } from '../asyncapi';

const content = renderAsyncApiYaml();
const current = existsSync(ASYNCAPI_PATH) ? readFileSync(ASYNCAPI_PATH, 'utf8') : undefined;
if (current === content) {
  console.log(JSON.stringify({ msg: 'asyncapi unchanged', file: ASYNCAPI_PATH }));
} else if (process.argv.includes('--check')) {
  console.error(JSON.stringify({ msg: 'asyncapi stale', file: ASYNCAPI_PATH }));
  process.exitCode = 1;
} else {
  writeFileSync(ASYNCAPI_PATH, content);
  console.log(JSON.stringify({ msg: 'asyncapi wrote', file: ASYNCAPI_PATH }));
}
