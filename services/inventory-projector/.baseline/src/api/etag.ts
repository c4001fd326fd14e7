import { createHash } from 'node:crypto';
import type { Request } from 'express';

/** Versions only grow, so the (sku, location, version) list identifies the representation. */
export function etagOf(parts: Array<{ sku: string; locationId: string; version: number }>, salt = ''): string {
  const hash = createHash('sha1');
  hash.update(salt);
  for (const p of parts) hash.update(`${p.sku}\u0000${p.locationId}\u0000${p.version}\u0001`);
  return `"${hash.digest('base64url').slice(0, 22)}"`;
}

/** If-None-Match with weak comparison (RFC 9110 13.1.2). */
export function notModified(req: Request, etag: string): boolean {
  const header = req.header('if-none-match');
  if (!header) return false;
  if (header.trim() === '*') return true;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => strip(tag) === strip(etag));
}
