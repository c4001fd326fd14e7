import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { EVENT_TYPES, type EventType } from './topics';
import { commonTypesFrom, parseSchemaText, resolveSchema, SchemaResolutionError, type AvroJson } from './schema-resolution';

/** Repository root as seen from this package (libs/contracts/src → ../../..). */
export const REPO_ROOT = resolve(__dirname, '../../..');
export const COMMON_DIR = 'schemas/common';

export interface ResolvedEventSchema {
  eventType: EventType;
  schemaPath: string;
  schema: AvroJson;
}

export function readCommonFiles(repoRoot: string): Array<{ path: string; text: string }> {
  const dir = join(repoRoot, COMMON_DIR);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.avsc'))
    .sort()
    .map((file) => ({ path: `${COMMON_DIR}/${file}`, text: readFileSync(join(dir, file), 'utf8') }));
}

/** Every `*.avsc` under schemas/ outside common/, as repository-relative paths. */
export function listEventSchemaFiles(repoRoot: string): string[] {
  const schemasDir = join(repoRoot, 'schemas');
  const found: string[] = [];
  for (const entry of readdirSync(schemasDir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.avsc')) continue;
    const path = relative(repoRoot, join(entry.parentPath, entry.name)).split('\\').join('/');
    if (!path.startsWith(`${COMMON_DIR}/`)) found.push(path);
  }
  return found.sort();
}

/**
 * Reads and resolves the schema of every catalog event type from the working tree, and fails when
 * the schemas folder and the catalog disagree (a file without a catalog entry or the reverse).
 */
export function loadEventSchemas(repoRoot: string = REPO_ROOT): ResolvedEventSchema[] {
  const common = commonTypesFrom(readCommonFiles(repoRoot));
  const files = new Set(listEventSchemaFiles(repoRoot));
  const result: ResolvedEventSchema[] = [];
  for (const def of EVENT_TYPES) {
    if (!files.delete(def.schemaPath)) {
      throw new SchemaResolutionError(`${def.eventType}: schema file ${def.schemaPath} is missing`);
    }
    const raw = parseSchemaText(def.schemaPath, readFileSync(join(repoRoot, def.schemaPath), 'utf8'));
    const schema = resolveSchema(raw, common);
    if (typeof schema !== 'object' || Array.isArray(schema) || schema.name !== def.eventType || schema.namespace !== def.fullName.slice(0, def.fullName.lastIndexOf('.'))) {
      throw new SchemaResolutionError(`${def.schemaPath}: record must be named ${def.fullName}`);
    }
    result.push({ eventType: def.eventType, schemaPath: def.schemaPath, schema });
  }
  if (files.size > 0) {
    throw new SchemaResolutionError(`schema files without a catalog entry: ${[...files].join(', ')}`);
  }
  return result;
}
