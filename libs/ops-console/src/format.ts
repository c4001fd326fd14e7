import type { RejectionSummary, Timeline } from './timeline';

/** The timeline as text for a terminal: one section per source, times in UTC. */
export function formatTimeline(t: Timeline, options: { traceUrlTemplate?: string } = {}): string {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace('Z', '') : '-');

  out(`order ${t.orderId}   (found by ${t.matchedBy})`);
  if (t.order) {
    const number = t.order.channelOrderNumber ? ` number ${t.order.channelOrderNumber}` : '';
    const state = t.order.cancelled ? 'cancelled' : t.order.placed ? 'placed' : 'not placed yet';
    out(`  channel      ${t.order.channel} ${t.order.channelId}, order ${t.order.channelOrderId}${number}, ${state}`);
  }
  for (const id of t.traceIds) out(`  trace        ${id}${options.traceUrlTemplate ? `  ${options.traceUrlTemplate.replace('{traceId}', id)}` : ''}`);
  // The outbox keeps the trace context only when the producing service exports traces.
  if (t.traceIds.length === 0) out('  trace        none recorded (the services export no traces: OTEL_EXPORTER_OTLP_ENDPOINT is unset)');

  out();
  out(`events (${t.events.length})`);
  for (const e of t.events) {
    const where = e.partition === null ? `${e.topic}` : `${e.topic} [${e.partition}] @${e.offset}`;
    const published = e.publishedAt ? '' : '  NOT PUBLISHED YET';
    out(`  ${time(e.at)}  ${e.eventType.padEnd(22)} by ${e.producer.padEnd(20)} ${where}${published}`);
    if (e.lastError) out(`      outbox error: ${e.lastError}`);
    for (const c of e.consumers) out(`      consumed by ${c.group} at ${time(c.processedAt)}`);
  }

  out();
  out('odoo');
  if (t.erp) {
    out(`  writer       ${t.erp.status}${t.erp.odooOrderName ? `, ${t.erp.odooOrderName} (id ${t.erp.odooOrderId})` : ''}${t.erp.odooState ? `, state ${t.erp.odooState}` : ''}, ${t.erp.attempts} attempt(s), updated ${time(t.erp.updatedAt)}`);
    for (const o of t.erp.operations) out(`  operation    ${o.operation} ${o.reference} -> Odoo id ${o.odooResId ?? '-'} at ${time(o.syncedAt)}`);
  } else {
    out('  writer       no record (not consumed by odoo-writer yet)');
  }
  for (const e of t.effects) out(`  effect       ${e.kind} ${e.key}: ${e.state}, ${e.attempts} attempt(s)${e.lastError ? `, last error: ${e.lastError}` : ''}`);
  if ('saleOrders' in t.odoo) {
    if (t.odoo.saleOrders.length === 0) out('  documents    no sale order in Odoo');
    for (const so of t.odoo.saleOrders) {
      out(`  sale order   ${so.name} (id ${so.id}) state ${so.state}`);
      for (const p of so.pickings) out(`  picking      ${p.name} (id ${p.id}) state ${p.state}${p.trackingRef ? `, tracking ${p.trackingRef}` : ''}`);
    }
  } else {
    out(`  documents    ${t.odoo.unavailable}`);
  }

  section(out, 'parked', t.parked, (p) => `  #${p.id} ${p.eventType} ${p.status}: ${p.reason} (${p.errorMessage}), ${p.attempts} attempt(s), next ${time(p.nextAttemptAt)}`);
  section(out, 'dead letters', t.deadLetters, (d) => `  ${d.dlqTopic} [${d.dlqPartition}] @${d.dlqOffset} (group ${d.group}, from ${d.sourceTopic} [${d.originalPartition ?? '?'}] @${d.originalOffset ?? '?'}): ${d.errorClass ?? ''} ${d.errorMessage ?? ''}`);
  section(out, 'rejections', t.rejections, formatRejection);
  section(out, 'conflicts', t.conflicts, (c) => `  #${c.id} ${c.kind} ${c.externalId} received ${time(c.receivedAt)}${c.resolvedAt ? `, resolved ${time(c.resolvedAt)}` : ', open'}`);
  return lines.join('\n');
}

export function formatRejection(r: RejectionSummary): string {
  return `  ${r.receivedAt.replace('T', ' ').replace('Z', '')}  ${r.channel} ${r.reasonCode} (HTTP ${r.httpStatus}) rejection ${r.rejectionId}, correlation ${r.correlationId}`;
}

function section<T>(out: (line?: string) => void, title: string, items: T[], line: (item: T) => string): void {
  out();
  out(`${title} (${items.length})`);
  for (const item of items) out(line(item));
}
