/**
 * Which shop or site sent a webhook. The shop headers (X-Shopify-Shop-Domain, X-WC-Webhook-Source)
 * are not covered by the signature, so the identity is taken from the configured source whose
 * secret verified the body; the header only chooses among sources that share one secret (a Shopify
 * app signs every shop's webhooks with its one client secret). Each source may list several
 * secrets at once, so a secret is rotated by adding the new one, switching the sender, then
 * removing the old one.
 */
import { z } from 'zod';
import { verifyBase64Hmac } from './signatures';

export interface WebhookSource {
  /** Normalised shop domain or site URL; '*' = the legacy single secret, any sender (development). */
  id: string;
  secrets: string[];
}

export type SourceMatch =
  | { ok: true; sourceId: string }
  | { ok: false; reason: 'unknown_source' | 'invalid_signature' | 'source_mismatch' };

export const ANY_SOURCE = '*';

export function normaliseShopDomain(domain: string): string {
  return domain.trim().toLowerCase();
}

export function normaliseSiteUrl(site: string): string {
  return site.trim().toLowerCase().replace(/\/+$/, '');
}

/**
 * Matches a signed body against the configured sources. `claimed` is what the unsigned header or
 * payload says; it must name one of the sources whose secret verified (or the legacy wildcard).
 */
export function matchSource(sources: readonly WebhookSource[], body: Buffer, signature: string | undefined, claimed: string | null): SourceMatch {
  if (!signature) return { ok: false, reason: 'invalid_signature' };
  const named = sources.filter((s) => s.id !== ANY_SOURCE);
  const wildcard = sources.find((s) => s.id === ANY_SOURCE);
  if (claimed !== null && !wildcard && !named.some((s) => s.id === claimed)) return { ok: false, reason: 'unknown_source' };
  const verified = named.filter((s) => s.secrets.some((secret) => verifyBase64Hmac(body, signature, secret)));
  if (claimed !== null && verified.some((s) => s.id === claimed)) return { ok: true, sourceId: claimed };
  if (claimed === null && verified.length === 1) return { ok: true, sourceId: verified[0]!.id };
  if (verified.length > 0) return { ok: false, reason: 'source_mismatch' };
  // The legacy secret trusts the claim as it always did; '' lets the route refuse a missing claim.
  if (wildcard && wildcard.secrets.some((secret) => verifyBase64Hmac(body, signature, secret))) {
    return { ok: true, sourceId: claimed ?? '' };
  }
  return { ok: false, reason: 'invalid_signature' };
}

const secretText = z.string().min(16, 'each secret must be at least 16 characters');
const sourceMap = z.record(z.string().min(1), z.union([secretText, z.array(secretText).min(1, 'needs at least one secret').max(4, 'at most 4 secrets at once')]));

/**
 * Reads `{"<shop or site>": "<secret>" | ["<new>", "<old>"]}` from a variable. Problems name the
 * variable and the source, never a secret.
 */
export function parseSourceMap(variable: string, text: string | undefined, normalise: (id: string) => string): WebhookSource[] | string[] {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [`${variable}: is not JSON; expected {"<shop or site>": ["<secret>", ...]}`];
  }
  const parsed = sourceMap.safeParse(json);
  if (!parsed.success) return parsed.error.issues.map((issue) => `${variable}${issue.path.length ? ` ${issue.path.map(String).join('.')}` : ''}: ${issue.message}`);
  return Object.entries(parsed.data).map(([id, secrets]) => ({ id: normalise(id), secrets: Array.isArray(secrets) ? secrets : [secrets] }));
}

/** The configured sources of a channel plus the legacy single secret as a wildcard. */
export function channelSources(named: readonly WebhookSource[], legacySecret: string | undefined): WebhookSource[] {
  return legacySecret ? [...named, { id: ANY_SOURCE, secrets: [legacySecret] }] : [...named];
}

export type TriggeredAtVerdict = { ok: true } | { ok: false; reason: 'malformed_triggered_at' | 'stale_triggered_at' };

/**
 * X-Shopify-Triggered-At is signed by nothing either, but a replayed capture keeps its old value;
 * Shopify keeps retrying with the original value for 48 hours, so the window must exceed that.
 * Within the window a replay is caught by the delivery id and the fact de-duplication.
 */
export function checkTriggeredAt(header: string | undefined, nowMs: number, windowSeconds: number): TriggeredAtVerdict {
  if (header === undefined || header === '') return { ok: true };
  const at = Date.parse(header);
  if (!Number.isFinite(at)) return { ok: false, reason: 'malformed_triggered_at' };
  return Math.abs(nowMs - at) <= windowSeconds * 1000 ? { ok: true } : { ok: false, reason: 'stale_triggered_at' };
}
