/**
 * POS API keys: `pos_<keyId>_<secret>` with a 256-bit random secret. Only sha256(secret) is
 * stored; a high-entropy secret makes a slow KDF unnecessary. Verified keys are cached briefly so
 * the hot path does not read the database per request (revocation takes effect within cacheMs).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
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
}

export class PosApiKeys {
  private readonly cache = new Map<string, { key: PosKey | null; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly cacheMs = 30_000,
  ) {}

  async create(store: PosStore & { label?: string }): Promise<{ apiKey: string; keyId: string }> {
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.pool.query(
      `INSERT INTO "${this.schema}".pos_api_keys (key_id, estate_id, store_id, location_id, secret_hash, label) VALUES ($1, $2, $3, $4, $5, $6)`,
      [keyId, store.estateId, store.storeId, store.locationId, sha256(secret), store.label ?? null],
    );
    return { apiKey: `pos_${keyId}_${secret}`, keyId };
  }

  async revoke(keyId: string): Promise<boolean> {
    const result = await this.pool.query(`UPDATE "${this.schema}".pos_api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL`, [keyId]);
    this.cache.delete(keyId);
    return (result.rowCount ?? 0) > 0;
  }

  async list(): Promise<PosKeyRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT key_id, estate_id, store_id, location_id, label, created_at, revoked_at FROM "${this.schema}".pos_api_keys ORDER BY created_at`,
    );
    return rows.map((r) => ({
      keyId: r.key_id,
      estateId: r.estate_id,
      storeId: r.store_id,
      locationId: r.location_id,
      label: r.label,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
    }));
  }

  /** The store a presented key belongs to, or null for unknown, revoked or malformed keys. */
  async verify(apiKey: string | undefined): Promise<PosKey | null> {
    const match = apiKey ? KEY_PATTERN.exec(apiKey) : null;
    if (!match) return null;
    const [, keyId, secret] = match as unknown as [string, string, string];
    const hash = sha256(secret);
    const cached = this.cache.get(`${keyId}:${hash.toString('hex')}`);
    if (cached && cached.until > Date.now()) return cached.key;
    const { rows } = await this.pool.query<{ estate_id: string; store_id: string; location_id: string; secret_hash: Buffer }>(
      `SELECT estate_id, store_id, location_id, secret_hash FROM "${this.schema}".pos_api_keys WHERE key_id = $1 AND revoked_at IS NULL`,
      [keyId],
    );
    const row = rows[0];
    const key = row && timingSafeEqual(row.secret_hash, hash) ? { keyId, estateId: row.estate_id, storeId: row.store_id, locationId: row.location_id } : null;
    this.cache.set(`${keyId}:${hash.toString('hex')}`, { key, until: Date.now() + this.cacheMs });
    return key;
  }
}
