const COLOURS = [36, 35, 33, 32, 34, 31, 96, 95];
const RESET = '\u001b[0m';

/**
 * Services log one JSON object per line (for machines); a person running the platform wants
 * `time [service] level message` with the ids that let them follow an order.
 */
export function createPrefixer(names: readonly string[], colour: boolean): (name: string, line: string) => string {
  const width = Math.max(...names.map((n) => n.length));
  const colourOf = new Map(names.map((name, i) => [name, COLOURS[i % COLOURS.length]!]));
  return (name, line) => {
    const label = name.padEnd(width);
    const prefix = colour ? `\u001b[${colourOf.get(name) ?? 37}m${label}${RESET}` : label;
    return `${prefix} | ${readable(line)}`;
  };
}

function readable(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { level, message, msg, timestamp, time, correlation_id: correlationId, trace_id: traceId, ...rest } = entry;
    delete rest.service;
    delete rest.span_id;
    const when = typeof timestamp === 'string' ? timestamp.slice(11, 23) : typeof time === 'string' ? time.slice(11, 23) : '';
    const ids = [correlationId ? `corr=${String(correlationId).slice(0, 8)}` : '', traceId ? `trace=${String(traceId).slice(0, 8)}` : '']
      .filter(Boolean)
      .join(' ');
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `${when} ${String(level ?? '').padEnd(5)} ${String(message ?? msg ?? '')}${ids ? ` (${ids})` : ''}${extra}`;
  } catch {
    return line;
  }
}
