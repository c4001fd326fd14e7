/**
 * Odoo's datetimes travel as 'YYYY-MM-DD HH:MM:SS' in UTC, whole seconds. The watcher compares
 * them only with each other (never with this host's clock), so a skewed Odoo clock cannot make
 * it skip records.
 */

const FORMAT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export const BEGINNING = '1970-01-01 00:00:00';

export function isOdooDatetime(value: string): boolean {
  return FORMAT.test(value) && Number.isFinite(odooMillis(value));
}

export function odooMillis(value: string): number {
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

export function formatOdooDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `value` moved back by `seconds`, never before the beginning. */
export function secondsBefore(value: string, seconds: number): string {
  return formatOdooDatetime(Math.max(0, odooMillis(value) - seconds * 1000));
}

/** A datetime field as read over RPC: a string, or false when empty. */
export function odooDatetimeOrNull(value: unknown): string | null {
  return typeof value === 'string' && isOdooDatetime(value) ? value : null;
}
