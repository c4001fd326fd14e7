/**
 * Offline schemas for kubeconform, in the layout of its -schema-location template
 * `<dir>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`:
 * - Kubernetes kinds from the OpenAPI (swagger 2) document in the k8s.io/kubernetes module, each
 *   made standalone by inlining its $refs;
 * - Prometheus Operator and KEDA kinds from their CRDs' openAPIV3Schema.
 * All are strict: an object that declares its properties refuses unknown ones, so a misspelt
 * field fails validation instead of being dropped by the API server.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { moduleDir, SCHEMA_MODULES, TOOLS_DIR } from './tools';

type Schema = Record<string, unknown>;

export const SCHEMA_DIR = path.join(
  TOOLS_DIR,
  `kubeconform-schemas-${SCHEMA_MODULES.kubernetes.version}-${SCHEMA_MODULES.prometheusOperator.version}-${SCHEMA_MODULES.keda.version}`,
);
export const SCHEMA_LOCATION = `${SCHEMA_DIR}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`;

/** kubeconform's Group and ResourceAPIVersion of an apiVersion ("apps/v1" -> apps, v1; "v1" -> v1, v1). */
function schemaFile(apiVersion: string, kind: string): string {
  const parts = apiVersion.split('/');
  return path.join(SCHEMA_DIR, parts[0]!, `${kind.toLowerCase()}_${parts[parts.length - 1]}.json`);
}

const NUMBER_OR_STRING: Schema = { anyOf: [{ type: 'string' }, { type: 'number' }] };

function strict(schema: Schema): Schema {
  if (schema['x-kubernetes-int-or-string'] === true) return { ...NUMBER_OR_STRING, description: schema.description };
  const out: Schema = { ...schema };
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, strict(v)]));
    if (out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  if (out.items && typeof out.items === 'object' && !Array.isArray(out.items)) out.items = strict(out.items as Schema);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = strict(out.additionalProperties as Schema);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as Schema[]).map(strict);
  }
  return out;
}

/** Inlines swagger `#/definitions/...` refs; a cycle (only in apiextensions) becomes an open object. */
function inline(schema: Schema, definitions: Record<string, Schema>, seen: string[] = []): Schema {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/definitions/', '');
    if (name.endsWith('.IntOrString') || name.endsWith('.Quantity')) return { ...NUMBER_OR_STRING };
    if (seen.includes(name)) return { type: 'object' };
    const target = definitions[name];
    if (!target) throw new Error(`kubernetes schema: unknown $ref ${ref}`);
    return inline(target, definitions, [...seen, name]);
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, inline(v, definitions, seen)]));
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      out[key] = inline(value as Schema, definitions, seen);
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as Schema[]).map((v) => inline(v, definitions, seen));
    } else {
      out[key] = value;
    }
  }
  return out;
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Writes the schema of every kind in `wanted` that is missing; returns what could not be found. */
export function ensureSchemas(wanted: ReadonlyArray<{ apiVersion: string; kind: string }>, log: (line: string) => void): string[] {
  const missing = wanted.filter((w) => !existsSync(schemaFile(w.apiVersion, w.kind)));
  if (missing.length === 0) return [];
  log(`writing kubeconform schemas for ${missing.map((m) => `${m.apiVersion}/${m.kind}`).join(', ')}`);
  const sources = new Map<string, Schema>();

  const k8s = SCHEMA_MODULES.kubernetes;
  const swagger = JSON.parse(readFileSync(path.join(moduleDir(k8s.module, k8s.version), k8s.file), 'utf8')) as { definitions: Record<string, Schema> };
  for (const [name, def] of Object.entries(swagger.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    if (!gvks || gvks.length !== 1) continue;
    const gvk = gvks[0]!;
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    sources.set(`${apiVersion}/${gvk.kind}`, { name, def });
  }
  const crdDirs = [SCHEMA_MODULES.prometheusOperator, SCHEMA_MODULES.keda].map((m) => path.join(moduleDir(m.module, m.version), m.dir));
  const crds = new Map<string, Schema>();
  for (const dir of crdDirs) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: Array<{ name: string; schema?: { openAPIV3Schema: Schema } }> } };
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        for (const version of crd.spec.versions) {
          if (version.schema) crds.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, version.schema.openAPIV3Schema);
        }
      }
    }
  }

  const notFound: string[] = [];
  for (const { apiVersion, kind } of missing) {
    const key = `${apiVersion}/${kind}`;
    let schema: Schema | undefined;
    const k8sSource = sources.get(key) as { def: Schema } | undefined;
    if (k8sSource) schema = strict(inline(k8sSource.def, swagger.definitions));
    else if (crds.has(key)) schema = strict(crds.get(key)!);
    if (!schema) {
      notFound.push(key);
      continue;
    }
    const file = schemaFile(apiVersion, kind);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema }));
  }
  return notFound;
}
