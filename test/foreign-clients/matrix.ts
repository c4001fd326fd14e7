import { execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Tools } from './tools';
import { CODEC_ID, wireCodecs } from './wire';

export type Outcome = 'ok' | 'refused-as-expected' | 'FAIL';

export interface Cell {
  client: string;
  feature: string;
  outcome: Outcome;
  detail: string;
}

export interface Target {
  /** "dev" or "apache": the dev broker may refuse transactions; Apache Kafka must serve them. */
  name: 'dev' | 'apache';
  bootstrap: string;
  registryUrl: string;
}

const FEATURES_PY = path.join(__dirname, 'python', 'features.py');
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const PYTHON_CLIENTS = ['confluent-kafka', 'kafka-python'] as const;
const STEP_TIMEOUT_MS = 120_000;
const PER_TOPIC = 20;

interface PyResult {
  result: 'ok' | 'refused' | 'fail';
  detail: string;
}

function execText(cmd: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: STEP_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ stdout, stderr, code });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function py(tools: Tools, target: Target, client: string, feature: string, ...args: string[]): Promise<PyResult> {
  const { stdout, stderr } = await execText(tools.python, [FEATURES_PY, client, feature, target.bootstrap, target.registryUrl, ...args]);
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as PyResult;
  } catch {
    return { result: 'fail', detail: `no result line; stderr: ${stderr.trim().split('\n').slice(-2).join(' | ')}` };
  }
}

function cell(client: string, feature: string, r: PyResult, refusalExpected = false): Cell {
  const outcome: Outcome = r.result === 'ok' ? 'ok' : r.result === 'refused' && refusalExpected ? 'refused-as-expected' : 'FAIL';
  return { client, feature, outcome, detail: r.detail };
}

async function createTopics(target: Target, names: string[], partitions: number): Promise<void> {
  const kafka = new Kafka({ brokers: target.bootstrap.split(','), clientId: 'foreign-clients', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

// ------------------------------------------------------------------ kcat

async function kcatRead(tools: Tools, target: Target, topic: string, count: number, group?: string): Promise<number> {
  const args = group
    ? ['-b', target.bootstrap, '-G', group, '-o', 'beginning', '-c', String(count), '-q', '-f', '%k\n', topic]
    : ['-b', target.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-c', String(count), '-q', '-f', '%k\n'];
  const { stdout } = await execText(tools.kcat!, args);
  return new Set(stdout.split('\n').filter(Boolean)).size;
}

async function kcatProduce(tools: Tools, target: Target, topic: string, n: number, extra: string[]): Promise<void> {
  const lines = Array.from({ length: n }, (_, i) => `k${i}:value-${i}-${'x'.repeat(200)}`).join('\n') + '\n';
  const { code, stderr } = await execText(tools.kcat!, ['-b', target.bootstrap, '-P', '-t', topic, '-K:', ...extra], lines);
  if (code !== 0) throw new Error(`kcat -P exited ${code}: ${stderr.trim().slice(-200)}`);
}

async function kcatCells(tools: Tools, target: Target, run: string): Promise<Cell[]> {
  const out: Cell[] = [];
  const attempt = async (feature: string, fn: () => Promise<string>): Promise<void> => {
    try {
      out.push({ client: 'kcat', feature, outcome: 'ok', detail: await fn() });
    } catch (err) {
      out.push({ client: 'kcat', feature, outcome: 'FAIL', detail: (err as Error).message.slice(0, 300) });
    }
  };
  await attempt('metadata', async () => {
    const { stdout, code } = await execText(tools.kcat!, ['-b', target.bootstrap, '-L', '-J']);
    const meta = JSON.parse(stdout) as { brokers?: unknown[] };
    if (code !== 0 || !meta.brokers?.length) throw new Error(`kcat -L exited ${code}`);
    return `${meta.brokers.length} broker(s)`;
  });
  await attempt('groups', async () => {
    const topic = `fc-groups-kcat-${run}`;
    await createTopics(target, [topic], 3);
    await kcatProduce(tools, target, topic, 30, []);
    const seen = await kcatRead(tools, target, topic, 30, `fc-kcat-group-${run}`);
    if (seen !== 30) throw new Error(`balanced consumer read ${seen} of 30 keys`);
    return 'balanced consumer (-G) read 30 of 30';
  });
  await attempt('idempotent', async () => {
    const topic = `fc-idem-kcat-${run}`;
    await createTopics(target, [topic], 1);
    await kcatProduce(tools, target, topic, 50, ['-X', 'enable.idempotence=true']);
    const seen = await kcatRead(tools, target, topic, 50);
    if (seen !== 50) throw new Error(`read ${seen} of 50 keys`);
    return '50 records, once each';
  });
  return out;
}

// ------------------------------------------------------------------ confluent-kafka group with a SIGKILLed member

/** Three Avro-decoding members share a 3-partition topic; the first one to read is SIGKILLed; the others must finish it. */
async function groupKill(tools: Tools, target: Target, run: string): Promise<Cell> {
  const feature = 'avro-group-kill';
  const topic = `fc-avro-${run}`;
  const group = `fc-avro-group-${run}`;
  const total = 60;
  await createTopics(target, [topic], 3);
  const produced = await py(tools, target, 'confluent-kafka', 'avro-produce', topic, String(total));
  if (produced.result !== 'ok') return cell('confluent-kafka', feature, produced);
  const seen = new Set<string>();
  const perMember = [0, 0, 0];
  const members = [0, 1, 2].map((i) => {
    const child = spawn(tools.python, [FEATURES_PY, 'confluent-kafka', 'avro-member', target.bootstrap, target.registryUrl, topic, group], {
      env: { ...process.env, FC_MEMBER_DELAY_S: '0.2' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let rest = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        if (!l.trim()) continue;
        seen.add((JSON.parse(l) as { orderId: string }).orderId);
        perMember[i]! += 1;
      }
    });
    return child;
  });
  let killed = -1;
  const deadline = Date.now() + 90_000;
  try {
    while (Date.now() < deadline && seen.size < total) {
      if (killed < 0) {
        const first = perMember.findIndex((n) => n >= 3);
        if (first >= 0) {
          members[first]!.kill('SIGKILL');
          killed = first;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    for (const m of members) if (m.exitCode === null) m.kill('SIGTERM');
  }
  const detail = `${seen.size}/${total} orders decoded; member ${killed} SIGKILLed after ${perMember[killed] ?? 0}; survivors read ${perMember.filter((_, i) => i !== killed).join('+')}`;
  const outcome: Outcome = killed >= 0 && seen.size === total ? 'ok' : 'FAIL';
  return { client: 'confluent-kafka', feature, outcome, detail };
}

// ------------------------------------------------------------------ compression across every client

async function compressionCells(tools: Tools, target: Target, run: string, clients: string[]): Promise<Cell[]> {
  const out: Cell[] = [];
  for (const codec of CODECS) {
    const topicOf = (client: string) => `fc-z-${codec}-${client}-${run}`;
    await createTopics(target, clients.map(topicOf), 1);
    const problems = new Map<string, string[]>(clients.map((c) => [c, []]));
    for (const client of clients) {
      try {
        if (client === 'kcat') await kcatProduce(tools, target, topicOf(client), PER_TOPIC, ['-z', codec]);
        else {
          const r = await py(tools, target, client, `produce-${codec}`, topicOf(client));
          if (r.result !== 'ok') throw new Error(r.detail);
        }
        const codecs = await wireCodecs(target.bootstrap, topicOf(client));
        if (codecs.length === 0 || codecs.some((c) => c !== CODEC_ID[codec])) {
          problems.get(client)!.push(`sent batches with codecs [${codecs.join(',')}], wanted ${CODEC_ID[codec]}`);
        }
      } catch (err) {
        problems.get(client)!.push(`produce: ${(err as Error).message.slice(0, 200)}`);
      }
    }
    for (const reader of clients) {
      for (const writer of clients) {
        let n: number;
        if (reader === 'kcat') n = await kcatRead(tools, target, topicOf(writer), PER_TOPIC);
        else {
          const r = await py(tools, target, reader, 'read', topicOf(writer), String(PER_TOPIC));
          n = Number(/read (\d+)/.exec(r.detail)?.[1] ?? 0);
        }
        if (n !== PER_TOPIC) problems.get(reader)!.push(`read ${n}/${PER_TOPIC} of ${writer}'s batches`);
      }
    }
    for (const client of clients) {
      const p = problems.get(client)!;
      out.push({
        client,
        feature: `compression-${codec}`,
        outcome: p.length === 0 ? 'ok' : 'FAIL',
        detail: p.length === 0 ? `compressed on the wire; read back from ${clients.join(', ')}` : p.join('; '),
      });
    }
  }
  return out;
}

/** Every client × feature on one broker. */
export async function runMatrix(tools: Tools, target: Target): Promise<Cell[]> {
  const run = randomUUID().slice(0, 8);
  const cells: Cell[] = [];
  for (const client of PYTHON_CLIENTS) {
    for (const feature of ['admin', 'groups', 'idempotent']) cells.push(cell(client, feature, await py(tools, target, client, feature)));
  }
  for (const client of PYTHON_CLIENTS) cells.push(cell(client, 'transactions', await py(tools, target, client, 'transactions'), target.name === 'dev'));
  cells.push(await groupKill(tools, target, run));
  if (tools.kcat) cells.push(...(await kcatCells(tools, target, run)));
  cells.push(...(await compressionCells(tools, target, run, [...PYTHON_CLIENTS, ...(tools.kcat ? ['kcat'] : [])])));
  return cells;
}

/** A client × feature table per broker, with the details of every cell that is not ok. */
export function formatMatrix(broker: string, cells: Cell[]): string {
  const clients = [...new Set(cells.map((c) => c.client))];
  const features = [...new Set(cells.map((c) => c.feature))];
  const width = Math.max(...features.map((f) => f.length), 'feature'.length);
  const col = Math.max(...clients.map((c) => c.length), 'refused-as-expected'.length);
  const lines = [`foreign clients on ${broker}`, ['feature'.padEnd(width), ...clients.map((c) => c.padEnd(col))].join(' | ')];
  for (const f of features) {
    const row = clients.map((c) => (cells.find((x) => x.client === c && x.feature === f)?.outcome ?? '-').padEnd(col));
    lines.push([f.padEnd(width), ...row].join(' | '));
  }
  for (const c of cells) if (c.outcome !== 'ok') lines.push(`  ${c.client} ${c.feature}: ${c.outcome} (${c.detail})`);
  return lines.join('\n');
}
