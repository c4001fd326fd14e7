/**
 * Request keys (delivery ids, Idempotency-Key): the answer given to a request is kept with the
 * hash of its body, so a repeat gets the same status and body, and a reused key with another body
 * is told apart.
 */
import type { Pool, PoolClient } from 'pg';
import { RequestAlreadySeen, type RequestKey, type StoreScope, type StoredResponse } from './ingest-types';

/** The answer stored for a request key, if any (read outside a transaction). */
export async function lookupRequest(scope: StoreScope, pool: Pool, requestKey: RequestKey): Promise<StoredResponse | null> {
  const { rows } = await pool.query<{ status_code: number; response: unknown; payload_hash: Buffer }>(
    `SELECT status_code, response, payload_hash FROM ${scope.s}.ingest_requests WHERE scope = $1 AND request_key = $2`,
    [requestKey.scope, requestKey.key],
  );
  const row = rows[0];
  return row ? { status: row.status_code, body: row.response, samePayload: row.payload_hash.equals(requestKey.payloadHash) } : null;
}

export async function storedResponse(scope: StoreScope, pool: Pool, requestKey: RequestKey): Promise<StoredResponse> {
  const stored = await lookupRequest(scope, pool, requestKey);
  if (!stored) throw new Error(`request ${requestKey.scope}/${requestKey.key} vanished after a key conflict`);
  return stored;
}

export async function claimRequest(scope: StoreScope, tx: PoolClient, requestKey: RequestKey, status: number, body: unknown): Promise<void> {
  const inserted = await tx.query(
    `INSERT INTO ${scope.s}.ingest_requests (scope, request_key, payload_hash, status_code, response)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [requestKey.scope, requestKey.key, requestKey.payloadHash, status, JSON.stringify(body)],
  );
  if (inserted.rowCount === 0) throw new RequestAlreadySeen();
}

export async function updateRequest(scope: StoreScope, tx: PoolClient, requestKey: RequestKey, status: number, body: unknown): Promise<void> {
  await tx.query(`UPDATE ${scope.s}.ingest_requests SET status_code = $3, response = $4 WHERE scope = $1 AND request_key = $2`, [
    requestKey.scope,
    requestKey.key,
    status,
    JSON.stringify(body),
  ]);
}
