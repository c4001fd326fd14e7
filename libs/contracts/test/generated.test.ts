/**
 * Generated files are committed (jest and typecheck import them without a build step); this test is
 * the guard that they match what the generator produces from schemas/ today.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_PATH, renderAsyncApiYaml } from '../src/asyncapi';
import { renderGeneratedFiles } from '../src/codegen/typescript';
import { loadEventSchemas } from '../src/schema-files';

const packageDir = join(__dirname, '..');

describe('generated files', () => {
  it.each(renderGeneratedFiles(loadEventSchemas()).map((f) => [f.path, f.content]))(
    '%s is up to date (run `pnpm --filter @retail-backbone/contracts codegen`)',
    (path, content) => {
      expect(readFileSync(join(packageDir, path), 'utf8')).toBe(content);
    },
  );

  it('asyncapi.yaml is up to date (run `pnpm --filter @retail-backbone/contracts asyncapi`)', () => {
    expect(readFileSync(ASYNCAPI_PATH, 'utf8')).toBe(renderAsyncApiYaml());
  });

  it('describes every topic and event type in AsyncAPI 3.0', () => {
    const yaml = renderAsyncApiYaml();
    expect(yaml).toMatch(/^asyncapi: 3\.0\.0/);
    expect(yaml).toContain('address: retail.inventory-availability.v1');
    expect(yaml).toContain('schemaLookupStrategy: TopicRecordNameStrategy');
  });
});
