/** The live summary line and the final table, as deltas from the reading taken before the run. */
import type { PipelineSummary } from '../traffic';
import type { RunStats } from './runner';

export function delta(now: PipelineSummary, base: PipelineSummary): PipelineSummary {
  const sub = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));
  return {
    accepted: now.accepted - base.accepted,
    acceptedByEventType: sub(now.acceptedByEventType, base.acceptedByEventType),
    rejected: now.rejected - base.rejected,
    duplicates: now.duplicates - base.duplicates,
    odoo: {
      saleOrders: now.odoo.saleOrders - base.odoo.saleOrders,
      confirmed: now.odoo.confirmed - base.odoo.confirmed,
      cancelled: now.odoo.cancelled - base.odoo.cancelled,
      creditNotes: now.odoo.creditNotes - base.odoo.creditNotes,
    },
    availabilityUpdates: now.availabilityUpdates - base.availabilityUpdates,
    // Lag is a level, not a counter.
    consumerLag: now.consumerLag,
    totalLag: now.totalLag,
    dlq: now.dlq - base.dlq,
    dlqByTopic: sub(now.dlqByTopic, base.dlqByTopic),
    ...(now.loyalty
      ? { loyalty: { points: sub(now.loyalty.points, base.loyalty?.points ?? {}), rejections: sub(now.loyalty.rejections, base.loyalty?.rejections ?? {}) } }
      : {}),
  };
}

export function summaryLine(s: PipelineSummary): string {
  return `accepted ${s.accepted} | in Odoo ${s.odoo.saleOrders} (${s.odoo.cancelled} cancelled) | availability updates ${s.availabilityUpdates} | lag ${s.totalLag} | DLQ ${s.dlq}`;
}

function table(rows: Array<[string, string | number]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => String(v).length));
  const rule = `+-${'-'.repeat(width)}-+-${'-'.repeat(valueWidth)}-+`;
  return [rule, ...rows.map(([k, v]) => (k === '' ? rule : `| ${k.padEnd(width)} | ${String(v).padStart(valueWidth)} |`)), rule].join('\n');
}

export function finalReport(stats: RunStats, s: PipelineSummary, meta: { seconds: number; settled: boolean; seed: number }): string {
  const rows: Array<[string, string | number]> = [
    ['orders sent', stats.ordersSent],
    ...Object.entries(stats.steps).map(([kind, n]): [string, number] => [`  ${kind}`, n ?? 0]),
    ['', ''],
    ...Object.entries(stats.answers)
      .sort()
      .map(([label, n]): [string, number] => [`HTTP ${label}`, n]),
    ['429 waits (POS rate limit)', stats.rateLimitedWaits],
    ['unexpected answers/errors', stats.unexpected.length],
    ['', ''],
    ['facts accepted by order-ingest', s.accepted],
    ...Object.entries(s.acceptedByEventType).map(([type, n]): [string, number] => [`  ${type}`, n]),
    ['duplicates answered', s.duplicates],
    ['rejected', s.rejected],
    ['Odoo sale orders', s.odoo.saleOrders],
    ['  confirmed', s.odoo.confirmed],
    ['  cancelled', s.odoo.cancelled],
    ['Odoo credit notes', s.odoo.creditNotes],
    ['availability updates', s.availabilityUpdates],
    ...(s.loyalty
      ? [
          ...['accrued', 'reversed', 'redeemed', 'restored'].map((kind): [string, number] => [`loyalty points ${kind}`, s.loyalty!.points[kind] ?? 0]),
          ...Object.entries(s.loyalty.rejections).map(([reason, n]): [string, number] => [`  loyalty rejected: ${reason}`, n]),
        ]
      : []),
    ...Object.entries(s.consumerLag).map(([group, lag]): [string, number] => [`consumer lag ${group}`, lag]),
    ['DLQ messages (new)', s.dlq],
    ['', ''],
    ['duration (s)', meta.seconds.toFixed(1)],
    ['settled', meta.settled ? 'yes' : 'NO (timeout)'],
    ['seed', meta.seed],
  ];
  return table(rows);
}
