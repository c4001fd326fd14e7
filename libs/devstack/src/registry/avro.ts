import { createHash } from 'node:crypto';
import * as avro from 'avsc';
import { invalidSchema } from './errors';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper) ? (upper as CompatibilityLevel) : undefined;
}

export interface ParsedSchema {
  type: avro.Type;
  /** The submitted schema as compact JSON (what the API returns). */
  text: string;
  /** Key-order- and whitespace-insensitive hash: identical schemas share one id. */
  fingerprint: string;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Sorted keys, and `{"type": "<primitive>"}` collapsed to the primitive name. */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (node && typeof node === 'object') {
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 1 && entries[0]?.[0] === 'type' && typeof entries[0][1] === 'string' && PRIMITIVES.has(entries[0][1])) {
      return entries[0][1];
    }
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, normalise(v)]));
  }
  return node;
}

export function parseAvroSchema(schema: unknown): ParsedSchema {
  if (typeof schema !== 'string' || schema.trim() === '') throw invalidSchema('Empty schema: the "schema" field must hold the schema as a JSON string');
  let json: unknown;
  try {
    json = JSON.parse(schema);
  } catch (err) {
    throw invalidSchema(`Invalid schema: not JSON (${(err as Error).message})`);
  }
  let type: avro.Type;
  try {
    // Java Avro (and so Confluent) rejects unnamed records, enums and fixed types.
    type = avro.Type.forSchema(json as avro.Schema, { noAnonymousTypes: true });
  } catch (err) {
    throw invalidSchema(`Invalid Avro schema: ${(err as Error).message}`);
  }
  const canonical = JSON.stringify(normalise(json));
  return {
    type,
    text: JSON.stringify(json),
    fingerprint: createHash('sha256').update(canonical).digest('hex'),
  };
}

export interface PriorVersion {
  version: number;
  type: avro.Type;
}

function readFailure(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    // Fresh options each time: avsc caches resolvers by record name inside the options object.
    // Confluent matches record, enum and fixed names without their namespace.
    reader.createResolver(writer, { ignoreNamespaces: true });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Why `candidate` may not follow `prior` (ascending by version) under `level`; empty when it may.
 * BACKWARD: the candidate reads what earlier versions wrote; FORWARD: earlier versions read what
 * the candidate writes; FULL: both. Non-transitive levels look at the latest version only.
 */
export function incompatibilities(level: CompatibilityLevel, candidate: avro.Type, prior: PriorVersion[]): string[] {
  if (level === 'NONE' || prior.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? prior : prior.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const { version, type } of against) {
    if (backward) {
      const why = readFailure(candidate, type);
      if (why) problems.push(`the new schema cannot read data written with version ${version} (${why})`);
    }
    if (forward) {
      const why = readFailure(type, candidate);
      if (why) problems.push(`version ${version} cannot read data written with the new schema (${why})`);
    }
  }
  return problems;
}
