/**
 * Turns the schema files into self-contained schemas. Event files refer to the shared records in
 * schemas/common by full name; registries and readers need every named type defined in the schema
 * itself, so the first reference is replaced by the definition and later ones stay references
 * (Avro's own definition order). Works on plain JSON so history from git can be resolved too.
 */

export type AvroJson = string | AvroJson[] | { [key: string]: unknown };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

export class SchemaResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaResolutionError';
  }
}

export function fullNameOf(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

/** Parses the shared record files into a map of full name → definition. */
export function commonTypesFrom(files: ReadonlyArray<{ path: string; text: string }>): Map<string, Record<string, unknown>> {
  const types = new Map<string, Record<string, unknown>>();
  for (const file of files) {
    const json = parseSchemaText(file.path, file.text);
    if (typeof json !== 'object' || Array.isArray(json) || typeof json.name !== 'string') {
      throw new SchemaResolutionError(`${file.path}: a shared schema must be a named type`);
    }
    const fullName = fullNameOf(json.name, typeof json.namespace === 'string' ? json.namespace : undefined);
    if (types.has(fullName)) throw new SchemaResolutionError(`${file.path}: ${fullName} is defined twice`);
    types.set(fullName, json);
  }
  return types;
}

export function parseSchemaText(path: string, text: string): AvroJson {
  try {
    return JSON.parse(text) as AvroJson;
  } catch (error) {
    throw new SchemaResolutionError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

export function resolveSchema(schema: AvroJson, common: ReadonlyMap<string, Record<string, unknown>>): AvroJson {
  const defined = new Set<string>();

  const visit = (node: AvroJson, namespace: string | undefined): AvroJson => {
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return node;
      const fullName = fullNameOf(node, namespace);
      if (defined.has(fullName)) return fullName;
      const shared = common.get(fullName);
      if (!shared) throw new SchemaResolutionError(`unknown type '${node}'`);
      return visit(structuredClone(shared), namespace);
    }
    if (Array.isArray(node)) return node.map((branch) => visit(branch, namespace));

    const type = node.type;
    if (typeof type === 'string' && NAMED.has(type)) {
      const ownNamespace = typeof node.namespace === 'string' ? node.namespace : namespace;
      const fullName = fullNameOf(String(node.name), ownNamespace);
      const innerNamespace = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : undefined;
      if (defined.has(fullName)) throw new SchemaResolutionError(`type ${fullName} is defined twice`);
      defined.add(fullName);
      if (type !== 'record' && type !== 'error') return node;
      const fields = (node.fields as Array<Record<string, unknown>>).map((field) => ({
        ...field,
        type: visit(field.type as AvroJson, innerNamespace),
      }));
      return { ...node, fields };
    }
    if (type === 'array') return { ...node, items: visit(node.items as AvroJson, namespace) };
    if (type === 'map') return { ...node, values: visit(node.values as AvroJson, namespace) };
    if (typeof type === 'string' && PRIMITIVES.has(type)) return node;
    return { ...node, type: visit(type as AvroJson, namespace) };
  };

  return visit(schema, undefined);
}
