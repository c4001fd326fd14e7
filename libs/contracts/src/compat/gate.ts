/**
 * The compatibility gate: every event schema in the working tree against its earlier committed
 * versions (and optionally the versions registered in a schema registry).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listEventSchemaFiles, readCommonFiles } from '../schema-files';
import { commonTypesFrom, parseSchemaText, resolveSchema } from '../schema-resolution';
import { getEventType, isEventType, subjectFor, type CompatibilityLevel } from '../topics';
import { checkCompatibility, type CompatibilityProblem, type EarlierVersion } from './compatibility';
import { GitSchemaHistory } from './git-history';

export interface GateOptions {
  repoDir: string;
  /** Level for schema files that are not in the catalog. */
  defaultLevel: CompatibilityLevel;
  /** Also compare with every version registered under the catalog subject. */
  registryUrl?: string;
}

export interface SchemaGateResult {
  path: string;
  /** '<EventType> v<major>' from the file name. */
  label: string;
  level: CompatibilityLevel;
  versionsChecked: number;
  problems: CompatibilityProblem[];
}

const FILE_NAME = /([A-Za-z0-9_]+)\.v(\d+)\.avsc$/;

export function describeFile(path: string): { eventType: string; major: number } {
  const match = FILE_NAME.exec(path);
  if (!match) throw new Error(`${path}: schema files are named <EventType>.v<major>.avsc`);
  return { eventType: match[1] as string, major: Number(match[2]) };
}

async function registryVersions(registryUrl: string, subject: string): Promise<EarlierVersion[]> {
  const base = registryUrl.replace(/\/+$/, '');
  const headers = { Accept: 'application/vnd.schemaregistry.v1+json' };
  const list = await fetch(`${base}/subjects/${encodeURIComponent(subject)}/versions`, { headers });
  if (list.status === 404) return [];
  if (!list.ok) throw new Error(`registry answered ${list.status} for the versions of ${subject}`);
  const numbers = ((await list.json()) as number[]).sort((a, b) => b - a);
  const versions: EarlierVersion[] = [];
  for (const version of numbers) {
    const response = await fetch(`${base}/subjects/${encodeURIComponent(subject)}/versions/${version}`, { headers });
    if (!response.ok) throw new Error(`registry answered ${response.status} for ${subject} version ${version}`);
    const body = (await response.json()) as { schema: string };
    versions.push({ label: `registry v${version}`, schema: JSON.parse(body.schema) as object });
  }
  return versions;
}

export async function runGate(options: GateOptions): Promise<SchemaGateResult[]> {
  const common = commonTypesFrom(readCommonFiles(options.repoDir));
  const history = new GitSchemaHistory(options.repoDir);
  const results: SchemaGateResult[] = [];
  for (const path of listEventSchemaFiles(options.repoDir)) {
    const { eventType, major } = describeFile(path);
    const label = `${eventType} v${major}`;
    const known = isEventType(eventType) && getEventType(eventType).major === major;
    const level = known ? getEventType(eventType).compatibility : options.defaultLevel;
    const current = resolveSchema(parseSchemaText(path, readFileSync(join(options.repoDir, path), 'utf8')), common) as object;
    const earlier = history.earlierVersions(path);
    let problems = checkCompatibility(current, earlier, level);
    let versionsChecked = earlier.length;
    if (options.registryUrl && known) {
      const registered = await registryVersions(options.registryUrl, subjectFor(getEventType(eventType).topic, eventType));
      problems = problems.concat(checkCompatibility(current, registered, level));
      versionsChecked += registered.length;
    }
    results.push({ path, label, level, versionsChecked, problems });
  }
  return results;
}

/** One line per problem, e.g. "OrderPlaced v1: field 'channel' removed without default (forward, vs 1a2b3c4)". */
export function formatProblems(results: readonly SchemaGateResult[]): string[] {
  return results.flatMap((result) =>
    result.problems.map((p) => `${result.label}: ${p.message} (${p.direction} under ${result.level}, vs ${p.against})`),
  );
}
