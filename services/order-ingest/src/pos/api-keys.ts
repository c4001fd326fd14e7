/**
 * POS API keys: `pos_<keyId>_<secret>` with a 256-bit random secret. Only sha256(secret) is
 * stored; a high-entropy secret makes a slow KDF unnecessary. Verified keys are cached briefly so
 * the hot path does not read the database per request. Both caches are bounded LRUs, so random
 * keys cannot grow memory, and failed look-ups have their own cache so they cannot evict known
 * keys. A revocation is NOTIFYed in the same statement; every replica listening drops the key at
 * once (and drops every cached key whenever its LISTEN connection was lost).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Pool } from 'pg';
import type { PosStore } from '../channels/pos';
import { sha256 } from '../store/ingest-store';

const KEY_PATTERN = /^pos_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface PosKey extends PosStore {
  keyId: string;
}

export interface PosKeyRecord extends PosKey {
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

export interface PosKeyCacheOptions {
  cacheMs?: number;
  /** Known keys kept; a deployment has a few thousand tills at most. */
  maxKnown?: number;
  /** Failed look-ups kept, in their own cache. */
  maxUnknown?: number;
}

/** The NOTIFY channel on which revocations of a schema's keys are announced. */
export function posKeyRevokedChannel(schema: string): string {
  return `${schema}_pos_key_revoked`;
}

interface KnownKey {
  key: PosKey;
  hash: Buffer;
}

export class PosApiKeys {
  private readonly known: LRUCache<string, KnownKey> | undefined;
  private readonly unknown: LRUCache<string, true> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    options: PosKeyCacheOptions | number = {},
  ) {
    const { cacheMs = 30_000, maxKnown = 10_000, maxUnknown = 10_000 } = typeof options === 'number' ? { cacheMs: options } : options;
    if (cacheMs > 0) {
      this.known = new LRUCache({ max: maxKnown, ttl: cacheMs });
      this.unknown = new LRUCache({ max: maxUnknown, ttl: cacheMs });
    }
  }

  async create(store: PosStore & { label?: string; expiresAt?: Date }): Promise<{ apiKey: string; keyId: string }> {
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.pool.query(
      `INSERT INTO "${this.schema}".pos_api_keys (key_id, estate_id, store_id, location_id, secret_hash, label, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [keyId, store.estateId, store.storeId, store.locationId, sha256(secret), store.label ?? null, store.expiresAt ?? null],
    );
    return { apiKey: `pos_${keyId}_${secret}`, keyId };
  }

  /** Revokes a key and announces it to every replica in the same statement. */
  async revoke(keyId: string): Promise<boolean> {
    const result = await this.pool.query(
      `WITH revoked AS (UPDATE "${this.schema}".pos_api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL RETURNING key_id)
       SELECT pg_notify($2, key_id) FROM revoked`,
      [keyId, posKeyRevokedChannel(this.schema)],
    );
    this.forget(keyId);
    return (result.rowCount ?? 0) > 0;
  }

  /** Drops a key from this replica's cache (a revocation notification). */
  forget(keyId: string): void {
    this.known?.delete(keyId);
  }

  /** Drops every cached key: notifications may have been missed. */
  forgetAll(): void {
    this.known?.clear();
  }

  get cachedCounts(): { known: number; unknown: number } {
    return { known: this.known?.size ?? 0, unknown: this.unknown?.size ?? 0 };
  }

  async list(): Promise<PosKeyRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT key_id, estate_id, store_id, location_id, label, created_at, revoked_at, expires_at FROM "${this.schema}".pos_api_keys ORDER BY created_at`,
    );
    return rows.map((r) => ({
      keyId: r.key_id,
      estateId: r.estate_id,
      storeId: r.store_id,
      locationId: r.location_id,
      label: r.label,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
      expiresAt: r.expires_at,
    }));
  }

  /** The store a presented key belongs to, or null for unknown, revoked, expired or malformed keys. */
  async verify(apiKey: string | undefined): Promise<PosKey | null> {
    const match = apiKey ? KEY_PATTERN.exec(apiKey) : null;
    if (!match) return null;
    const [, keyId, secret] = match as unknown as [string, string, string];
    const hash = sha256(secret);
    const known = this.known?.get(keyId);
    if (known) return timingSafeEqual(known.hash, hash) ? known.key : null;
    const unknownKey = `${keyId}:${hash.toString('hex')}`;
    if (this.unknown?.has(unknownKey)) return null;
    const { rows } = await this.pool.query<{ estate_id: string; store_id: string; location_id: string; secret_hash: Buffer; ttl_ms: number | null }>(
      `SELECT estate_id, store_id, location_id, secret_hash, (EXTRACT(EPOCH FROM expires_at - now()) * 1000)::float8 AS ttl_ms
         FROM "${this.schema}".pos_api_keys
        WHERE key_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [keyId],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(row.secret_hash, hash)) {
      this.unknown?.set(unknownKey, true);
      return null;
    }
    const key = { keyId, estateId: row.estate_id, storeId: row.store_id, locationId: row.location_id };
    // An expiring key is not cached past its expiry.
    const ttl = row.ttl_ms === null ? undefined : Math.max(1, Math.floor(row.ttl_ms));
    this.known?.set(keyId, { key, hash: row.secret_hash }, ttl !== undefined && this.known.ttl > ttl ? { ttl } : {});
    return key;
  }
}
