/**
 * Schema compatibility in Confluent's meaning, decided by avsc's resolver rules, with messages that
 * name the offending field. BACKWARD: the new schema reads data written with an old one.
 * FORWARD: an old schema reads data written with the new one. *_TRANSITIVE: against every earlier
 * version instead of the latest only.
 */
import * as avro from 'avsc';
import type { CompatibilityLevel } from '../topics';

export interface EarlierVersion {
  /** Where the version comes from, e.g. a short commit hash or 'registry v3'. */
  label: string;
  schema: object;
}

export interface CompatibilityProblem {
  direction: 'backward' | 'forward';
  against: string;
  message: string;
}

function parse(schema: object): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema);
}

function canRead(reader: avro.Type, writer: avro.Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

function describeType(type: avro.Type): string {
  switch (type.typeName) {
    case 'array':
      return `array<${describeType((type as avro.types.ArrayType).itemsType)}>`;
    case 'map':
      return `map<${describeType((type as avro.types.MapType).valuesType)}>`;
    case 'union:unwrapped':
    case 'union:wrapped':
      return (type as avro.types.UnwrappedUnionType).types.map(describeType).join('|');
    default:
      return type.name ?? type.typeName;
  }
}

/** [null, T] → T, so an optional record can be explained field by field. */
function unwrapOptional(type: avro.Type): avro.Type {
  if (type.typeName.startsWith('union')) {
    const branches = (type as avro.types.UnwrappedUnionType).types.filter((t) => t.typeName !== 'null');
    if (branches.length === 1 && branches[0]) return branches[0];
  }
  return type;
}

/**
 * Finds why `reader` cannot read `writer`. `newIsReader` orients the wording: fields are "added"
 * or "removed" and types "changed from old to new" whichever side reads.
 */
function explain(reader: avro.Type, writer: avro.Type, path: string, newIsReader: boolean, out: string[]): void {
  const r = unwrapOptional(reader);
  const w = unwrapOptional(writer);
  const at = path || '(root)';
  const [oldType, newType] = newIsReader ? [writer, reader] : [reader, writer];

  if (r.typeName === 'record' && w.typeName === 'record') {
    if (r.name !== w.name && !(r as avro.types.RecordType).aliases?.includes(w.name ?? '')) {
      out.push(`'${at}' record renamed from ${oldType.name} to ${newType.name}`);
      return;
    }
    const writerFields = new Map((w as avro.types.RecordType).fields.map((f) => [f.name, f]));
    const before = out.length;
    for (const field of (r as avro.types.RecordType).fields) {
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      const match = [field.name, ...field.aliases].map((n) => writerFields.get(n)).find(Boolean);
      if (!match) {
        if (field.defaultValue() === undefined) {
          out.push(newIsReader ? `field '${fieldPath}' added without default` : `field '${fieldPath}' removed without default`);
        }
        continue;
      }
      if (!canRead(field.type, match.type)) explain(field.type, match.type, fieldPath, newIsReader, out);
    }
    if (out.length === before && !canRead(reader, writer)) {
      out.push(`'${at}' cannot be read as ${describeType(reader)}`);
    }
    return;
  }
  if (r.typeName === 'array' && w.typeName === 'array') {
    explain((r as avro.types.ArrayType).itemsType, (w as avro.types.ArrayType).itemsType, `${path}[]`, newIsReader, out);
    return;
  }
  if (r.typeName === 'map' && w.typeName === 'map') {
    explain((r as avro.types.MapType).valuesType, (w as avro.types.MapType).valuesType, `${path}{}`, newIsReader, out);
    return;
  }
  if (r.typeName === 'enum' && w.typeName === 'enum') {
    const readerSymbols = new Set((r as avro.types.EnumType).symbols);
    const missing = (w as avro.types.EnumType).symbols.filter((s) => !readerSymbols.has(s));
    out.push(
      `enum '${at}' ${newIsReader ? 'lacks' : 'gained'} symbol(s) ${missing.join(', ')} without a default symbol`,
    );
    return;
  }
  out.push(`field '${at}' type changed from ${describeType(oldType)} to ${describeType(newType)}`);
}

function problemsReading(reader: avro.Type, writer: avro.Type, newIsReader: boolean): string[] {
  try {
    reader.createResolver(writer);
    return [];
  } catch (error) {
    const out: string[] = [];
    explain(reader, writer, '', newIsReader, out);
    return out.length > 0 ? out : [(error as Error).message];
  }
}

/** Checks a new schema against earlier versions (newest first) under a compatibility level. */
export function checkCompatibility(
  newSchema: object,
  earlier: readonly EarlierVersion[],
  level: CompatibilityLevel,
): CompatibilityProblem[] {
  if (level === 'NONE' || earlier.length === 0) return [];
  const candidate = parse(newSchema);
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? earlier : earlier.slice(0, 1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: CompatibilityProblem[] = [];
  for (const version of against) {
    const old = parse(version.schema);
    if (backward) {
      for (const message of problemsReading(candidate, old, true)) problems.push({ direction: 'backward', against: version.label, message });
    }
    if (forward) {
      for (const message of problemsReading(old, candidate, false)) problems.push({ direction: 'forward', against: version.label, message });
    }
  }
  return problems;
}
