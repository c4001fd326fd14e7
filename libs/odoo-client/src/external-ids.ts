import { createHash } from 'node:crypto';

/**
 * The backbone's external ids in Odoo (ir.model.data): written by odoo-writer, read by every tool
 * that must find a backbone record in Odoo (the ops console, the reconciler), so the naming lives
 * here once.
 */

/** ir.model.data module of every external id the backbone creates. */
export const XMLID_MODULE = 'retail_backbone';

const SAFE = /^[A-Za-z0-9_-]{1,120}$/;

/**
 * External id name for a backbone id. Order ids contain ':' and '.', which Odoo's "module.name"
 * notation cannot hold, so unsafe characters become '_' and a hash of the original keeps two ids
 * that differ only in those characters apart.
 */
export function xmlIdName(prefix: 'order', id: string): string {
  if (SAFE.test(id)) return `${prefix}_${id}`;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${prefix}_${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}_${digest}`;
}
