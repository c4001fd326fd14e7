import type { Pool, PoolClient } from 'pg';
import type { OversellPolicy } from '../domain/types';

export const OVERSELL_POLICIES: readonly OversellPolicy[] = ['reject', 'backorder'];

/** Parses LOCATION_OVERSELL_POLICIES, e.g. "wh-berlin=reject,store-12=backorder". */
export function parseLocationPolicies(text: string | undefined): Record<string, OversellPolicy> {
  const out: Record<string, OversellPolicy> = {};
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [location, policy] = item.split('=').map((s) => s.trim());
    if (!location || !OVERSELL_POLICIES.includes(policy as OversellPolicy)) {
      throw new Error(`invalid oversell policy entry '${item}': expected <location>=reject|backorder`);
    }
    out[location] = policy as OversellPolicy;
  }
  return out;
}

/** Seeds the policy table from configuration; rows for other locations are left as they are. */
export async function upsertPolicies(pool: Pool, schema: string, policies: Record<string, OversellPolicy>): Promise<void> {
  const entries = Object.entries(policies);
  if (entries.length === 0) return;
  await pool.query(
    `INSERT INTO "${schema}".oversell_policy (location_id, policy) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (location_id) DO UPDATE SET policy = excluded.policy`,
    [entries.map(([l]) => l), entries.map(([, p]) => p)],
  );
}

export async function policyOf(tx: PoolClient, schema: string, locationId: string, fallback: OversellPolicy): Promise<OversellPolicy> {
  const result = await tx.query<{ policy: OversellPolicy }>(`SELECT policy FROM "${schema}".oversell_policy WHERE location_id = $1`, [locationId]);
  return result.rows[0]?.policy ?? fallback;
}
