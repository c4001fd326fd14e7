import * as avro from 'avsc';
import type { Pool, PoolClient } from 'pg';
import { incompatibilities, parseAvroSchema, parseCompatibilityLevel, type CompatibilityLevel, type ParsedSchema } from './avro';
import * as err from './errors';
import * as store from './store';
import type { VersionRow } from './store';

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';
const AVRO = 'AVRO';
const MAX_VERSION = 2_147_483_647;

export interface SchemaRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

/** A version selector from the URL: a number, or the latest live version. */
export type VersionSelector = number | 'latest';

export function parseVersion(raw: string): VersionSelector {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (!/^[0-9]+$/.test(raw)) throw err.invalidVersion(raw);
  const n = Number(raw);
  if (n < 1 || n > MAX_VERSION) throw err.invalidVersion(raw);
  return n;
}

export function checkSubject(subject: string): string {
  // eslint-disable-next-line no-control-regex
  if (subject.trim() === '' || /[\u0000-\u001f]/.test(subject)) throw err.invalidSubject(subject);
  return subject;
}

function parseRequest(body: SchemaRequest | undefined): ParsedSchema {
  const schemaType = body?.schemaType ?? AVRO;
  if (typeof schemaType !== 'string' || schemaType.toUpperCase() !== AVRO) {
    throw err.invalidSchema(`Invalid schema type ${String(schemaType)}: this development registry supports AVRO only`);
  }
  if (Array.isArray(body?.references) && body.references.length > 0) {
    throw err.invalidSchema('Schema references are not supported by this development registry');
  }
  return parseAvroSchema(body?.schema);
}

function priorTypes(rows: VersionRow[]) {
  return rows.map((r) => ({ version: r.version, type: avro.Type.forSchema(JSON.parse(r.schema) as avro.Schema) }));
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
  schemaType?: string;
}

function present(row: VersionRow): SubjectVersion {
  // Confluent leaves schemaType out for Avro.
  return { subject: row.subject, version: row.version, id: row.id, schema: row.schema, ...(row.schemaType === AVRO ? {} : { schemaType: row.schemaType }) };
}

function pick(rows: VersionRow[], selector: VersionSelector, includeDeleted: boolean): VersionRow | undefined {
  const visible = rows.filter((r) => includeDeleted || !r.deleted);
  return selector === 'latest' ? visible.at(-1) : visible.find((r) => r.version === selector);
}

export class RegistryService {
  constructor(private readonly pool: Pool) {}

  private async effectiveLevel(q: Pool | PoolClient, subject: string): Promise<CompatibilityLevel> {
    return (await store.getCompatibility(q, subject)) ?? (await store.getCompatibility(q, null)) ?? DEFAULT_COMPATIBILITY;
  }

  async register(subject: string, body: SchemaRequest | undefined): Promise<{ id: number }> {
    checkSubject(subject);
    const parsed = parseRequest(body);
    return store.transaction(this.pool, async (client) => {
      await store.lockSubject(client, subject);
      const rows = await store.subjectVersions(client, subject);
      const existingId = await store.findSchemaId(client, AVRO, parsed.fingerprint);
      const live = rows.filter((r) => !r.deleted);
      if (existingId !== undefined && live.some((r) => r.id === existingId)) return { id: existingId };
      const level = await this.effectiveLevel(client, subject);
      const problems = incompatibilities(level, parsed.type, priorTypes(live));
      if (problems.length) {
        throw err.incompatibleSchema(`Schema is incompatible with subject '${subject}' under ${level} compatibility: ${problems.join('; ')}`);
      }
      const id = existingId ?? (await store.insertSchema(client, AVRO, parsed.fingerprint, parsed.text));
      await store.insertVersion(client, subject, await store.nextVersion(client, subject), id);
      return { id };
    });
  }

  async lookup(subject: string, body: SchemaRequest | undefined, includeDeleted: boolean): Promise<SubjectVersion> {
    const rows = await store.subjectVersions(this.pool, subject);
    if (!rows.some((r) => includeDeleted || !r.deleted)) throw err.subjectNotFound(subject);
    const parsed = parseRequest(body);
    const id = await store.findSchemaId(this.pool, AVRO, parsed.fingerprint);
    const match = rows.find((r) => r.id === id && (includeDeleted || !r.deleted));
    if (!match) throw err.schemaNotFound();
    return present(match);
  }

  async schemaById(id: number): Promise<{ schema: string; schemaType?: string }> {
    const found = await store.getSchemaById(this.pool, id);
    if (!found) throw err.schemaNotFound(id);
    return { schema: found.schema, ...(found.schemaType === AVRO ? {} : { schemaType: found.schemaType }) };
  }

  async versionsOfSchema(id: number, includeDeleted: boolean): Promise<{ subject: string; version: number }[]> {
    await this.schemaById(id);
    return store.versionsOfSchema(this.pool, id, includeDeleted);
  }

  listSubjects(includeDeleted: boolean, prefix: string): Promise<string[]> {
    return store.listSubjects(this.pool, includeDeleted, prefix);
  }

  async listVersions(subject: string, includeDeleted: boolean): Promise<number[]> {
    const rows = (await store.subjectVersions(this.pool, subject)).filter((r) => includeDeleted || !r.deleted);
    if (!rows.length) throw err.subjectNotFound(subject);
    return rows.map((r) => r.version);
  }

  async getVersion(subject: string, selector: VersionSelector, includeDeleted: boolean): Promise<SubjectVersion> {
    const rows = await store.subjectVersions(this.pool, subject);
    if (!rows.some((r) => includeDeleted || !r.deleted)) throw err.subjectNotFound(subject);
    const row = pick(rows, selector, includeDeleted);
    if (!row) throw err.versionNotFound(selector === 'latest' ? 'latest' : selector);
    return present(row);
  }

  /** Soft delete (default) or permanent delete of every version; returns the versions affected. */
  async deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return store.transaction(this.pool, async (client) => {
      await store.lockSubject(client, subject);
      const rows = await store.subjectVersions(client, subject);
      if (!rows.length) throw err.subjectNotFound(subject);
      const live = rows.filter((r) => !r.deleted).map((r) => r.version);
      if (permanent) {
        if (live.length) throw err.subjectNotSoftDeleted(subject);
        const all = rows.map((r) => r.version);
        await store.hardDeleteVersions(client, subject, all);
        await store.deleteCompatibility(client, subject);
        return all;
      }
      if (!live.length) throw err.subjectSoftDeleted(subject);
      await store.softDeleteVersions(client, subject, live);
      return live;
    });
  }

  async deleteVersion(subject: string, selector: VersionSelector, permanent: boolean): Promise<number> {
    return store.transaction(this.pool, async (client) => {
      await store.lockSubject(client, subject);
      const rows = await store.subjectVersions(client, subject);
      if (!rows.length) throw err.subjectNotFound(subject);
      // A numbered version is found even when soft-deleted, to tell "already deleted" apart;
      // "latest" means the latest live version unless permanently deleting.
      const row = pick(rows, selector, permanent || selector !== 'latest');
      if (!row) throw err.versionNotFound(selector === 'latest' ? 'latest' : selector);
      if (permanent) {
        if (!row.deleted) throw err.versionNotSoftDeleted(subject, row.version);
        await store.hardDeleteVersions(client, subject, [row.version]);
      } else {
        if (row.deleted) throw err.versionSoftDeleted(subject, row.version);
        await store.softDeleteVersions(client, subject, [row.version]);
      }
      return row.version;
    });
  }

  /**
   * Compatibility test without registering. `selector` undefined = against all live versions
   * (transitive levels check each, others the latest), as Confluent's /versions endpoint does.
   */
  async testCompatibility(subject: string, selector: VersionSelector | undefined, body: SchemaRequest | undefined): Promise<string[]> {
    const rows = (await store.subjectVersions(this.pool, subject)).filter((r) => !r.deleted);
    let against: VersionRow[] = rows;
    const level = await this.effectiveLevel(this.pool, subject);
    if (selector !== undefined) {
      if (!rows.length) throw err.subjectNotFound(subject);
      const row = pick(rows, selector, false);
      if (!row) throw err.versionNotFound(selector);
      against = [row];
    }
    const parsed = parseRequest(body);
    return incompatibilities(level, parsed.type, priorTypes(against));
  }

  async getConfig(subject: string | null, defaultToGlobal: boolean): Promise<CompatibilityLevel> {
    const own = await store.getCompatibility(this.pool, subject);
    if (own) return own;
    if (subject !== null && !defaultToGlobal) throw err.subjectCompatibilityNotConfigured(subject);
    return (await store.getCompatibility(this.pool, null)) ?? DEFAULT_COMPATIBILITY;
  }

  async setConfig(subject: string | null, body: { compatibility?: unknown } | undefined): Promise<CompatibilityLevel> {
    if (subject !== null) checkSubject(subject);
    const level = parseCompatibilityLevel(body?.compatibility);
    if (!level) throw err.invalidCompatibilityLevel(body?.compatibility);
    await store.setCompatibility(this.pool, subject, level);
    return level;
  }

  /** Removes a configured level and returns it; the global level falls back to the default. */
  async deleteConfig(subject: string | null): Promise<CompatibilityLevel> {
    const removed = await store.deleteCompatibility(this.pool, subject);
    if (subject === null) return removed ?? DEFAULT_COMPATIBILITY;
    if (removed) return removed;
    const known = (await store.subjectVersions(this.pool, subject)).length > 0;
    throw known ? err.subjectCompatibilityNotConfigured(subject) : err.subjectNotFound(subject);
  }
}
