/**
 * The gate against a throw-away git repository: commit a schema, change the working tree, check.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatProblems, runGate } from '../src/compat/gate';

const REPO_ROOT = resolve(__dirname, '../../..');
const ORDER_PLACED = 'schemas/orders/OrderPlaced.v1.avsc';
const CUSTOM = 'schemas/misc/StoreOpened.v1.avsc';

type Schema = { fields: Array<Record<string, unknown>> };

let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=gate-test', '-c', 'user.email=gate@test.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
}

function readSchema(path: string): Schema {
  return JSON.parse(readFileSync(join(repo, path), 'utf8')) as Schema;
}

function writeSchema(path: string, schema: unknown): void {
  mkdirSync(join(repo, path, '..'), { recursive: true });
  writeFileSync(join(repo, path), JSON.stringify(schema, null, 2));
}

function commit(message: string): void {
  git('add', '-A');
  git('commit', '-q', '-m', message);
}

async function problems(): Promise<string[]> {
  return formatProblems(await runGate({ repoDir: repo, defaultLevel: 'BACKWARD_TRANSITIVE' }));
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'compat-gate-'));
  git('init', '-q');
  cpSync(join(REPO_ROOT, 'schemas/common'), join(repo, 'schemas/common'), { recursive: true });
  cpSync(join(REPO_ROOT, ORDER_PLACED), join(repo, ORDER_PLACED));
  writeSchema(CUSTOM, {
    type: 'record',
    name: 'StoreOpened',
    namespace: 'com.example',
    fields: [
      { name: 'storeId', type: 'string', doc: 'store' },
      { name: 'openedAt', type: 'long', doc: 'when' },
    ],
  });
  commit('v1');
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('compatibility gate', () => {
  it('passes an unchanged tree and an added optional field', async () => {
    expect(await problems()).toEqual([]);
    const schema = readSchema(ORDER_PLACED);
    schema.fields.push({ name: 'giftMessage', type: ['null', 'string'], default: null, doc: 'PII. Gift message.' });
    writeSchema(ORDER_PLACED, schema);
    const results = await runGate({ repoDir: repo, defaultLevel: 'BACKWARD_TRANSITIVE' });
    expect(results.find((r) => r.path === ORDER_PLACED)).toMatchObject({ level: 'FULL_TRANSITIVE', versionsChecked: 1, problems: [] });
  });

  it('fails a removed required field, naming it (catalog level FULL_TRANSITIVE)', async () => {
    const schema = readSchema(ORDER_PLACED);
    schema.fields = schema.fields.filter((f) => f.name !== 'channel');
    writeSchema(ORDER_PLACED, schema);
    const lines = await problems();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^OrderPlaced v1: field 'channel' removed without default \(forward under FULL_TRANSITIVE, vs [0-9a-f]{7}\)$/);
  });

  it('fails a changed field type, naming the nested field', async () => {
    const schema = readSchema(ORDER_PLACED);
    const lines = schema.fields.find((f) => f.name === 'lines') as { type: unknown };
    lines.type = { type: 'array', items: 'com.retailbackbone.common.OrderLine' };
    writeSchema(ORDER_PLACED, schema);
    const line = JSON.parse(readFileSync(join(repo, 'schemas/common/OrderLine.avsc'), 'utf8')) as Schema;
    (line.fields.find((f) => f.name === 'quantity') as Record<string, unknown>).type = 'string';
    writeFileSync(join(repo, 'schemas/common/OrderLine.avsc'), JSON.stringify(line));
    expect(await problems()).toEqual([
      expect.stringMatching(/^OrderPlaced v1: field 'lines\[\]\.quantity' type changed from int to string \(backward/),
      expect.stringMatching(/^OrderPlaced v1: field 'lines\[\]\.quantity' type changed from int to string \(forward/),
    ]);
  });

  it('applies the default level to schemas outside the catalog and checks every earlier version', async () => {
    const schema = readSchema(CUSTOM);
    schema.fields.push({ name: 'city', type: ['null', 'string'], default: null, doc: 'city' });
    writeSchema(CUSTOM, schema);
    commit('v2: optional city');
    // Removing a field is backward compatible, so BACKWARD_TRANSITIVE lets it through.
    schema.fields = schema.fields.filter((f) => f.name !== 'openedAt');
    writeSchema(CUSTOM, schema);
    expect(await problems()).toEqual([]);
    // A required field without default breaks reading both earlier versions.
    schema.fields.push({ name: 'manager', type: 'string', doc: 'manager' });
    writeSchema(CUSTOM, schema);
    const lines = await problems();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^StoreOpened v1: field 'manager' added without default \(backward under BACKWARD_TRANSITIVE/);
  });

  it('follows renames in history', async () => {
    mkdirSync(join(repo, 'schemas/stores'), { recursive: true });
    renameSync(join(repo, CUSTOM), join(repo, 'schemas/stores/StoreOpened.v1.avsc'));
    commit('move');
    const schema = readSchema('schemas/stores/StoreOpened.v1.avsc');
    (schema.fields[1] as Record<string, unknown>).type = 'string';
    writeSchema('schemas/stores/StoreOpened.v1.avsc', schema);
    expect(await problems()).toEqual([expect.stringMatching(/^StoreOpened v1: field 'openedAt' type changed from long to string/)]);
  });

  it('exits non-zero from the CLI with the message', () => {
    const schema = readSchema(ORDER_PLACED);
    schema.fields = schema.fields.filter((f) => f.name !== 'channel');
    writeSchema(ORDER_PLACED, schema);
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(__dirname, '../src/cli/compat-gate.ts'), '--repo', repo], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain("OrderPlaced v1: field 'channel' removed without default");
  });
});
