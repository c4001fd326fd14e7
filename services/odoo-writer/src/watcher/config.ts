import { loadConfig, z } from '@retail-backbone/observability';
import { configFromEnv, type OdooWriterConfig } from '../config';
import { isOdooDatetime } from './odoo-time';

export interface WatcherConfig {
  /** The writer's settings: database and schema, Odoo connection, rate limit, breaker. */
  writer: OdooWriterConfig;
  /** Pause between polls once every model is read to its end. */
  pollIntervalMs: number;
  /** Records per Odoo read. */
  pageSize: number;
  /** Each poll re-reads this many seconds before the cursor (late commits, clock steps back). */
  overlapSeconds: number;
  /** Odoo internal location (complete_name) → backbone location id; unmapped ones keep their Odoo name. */
  locations: ReadonlyMap<string, string>;
  /** Where a model without a cursor starts, in Odoo's time; undefined = from the beginning. */
  startAt?: string;
}

const locationList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const map = new Map<string, string>();
    for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const at = item.lastIndexOf('=');
      const odoo = item.slice(0, at).trim();
      const backbone = item.slice(at + 1).trim();
      if (at <= 0 || !odoo || !backbone) {
        ctx.addIssue({ code: 'custom', message: `'${item}' is not <Odoo location>=<backbone location>` });
        continue;
      }
      map.set(odoo, backbone);
    }
    return map;
  });

const schema = z.object({
  WATCH_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(2_000),
  WATCH_PAGE_SIZE: z.coerce.number().int().min(1).max(5_000).default(200),
  WATCH_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(3_600).default(10),
  WATCH_LOCATIONS: locationList,
  WATCH_START_AT: z.string().refine(isOdooDatetime, { message: "expected Odoo's 'YYYY-MM-DD HH:MM:SS' (UTC)" }).optional(),
});

/** The writer's environment plus the watcher's own settings; every problem reported at once (ConfigError). */
export function watcherConfigFromEnv(source: NodeJS.ProcessEnv = process.env): WatcherConfig {
  const writer = configFromEnv(source);
  const c = loadConfig(schema as unknown as z.ZodObject, source) as z.infer<typeof schema>;
  return {
    writer,
    pollIntervalMs: c.WATCH_POLL_INTERVAL_MS,
    pageSize: c.WATCH_PAGE_SIZE,
    overlapSeconds: c.WATCH_OVERLAP_SECONDS,
    locations: c.WATCH_LOCATIONS,
    startAt: c.WATCH_START_AT,
  };
}
