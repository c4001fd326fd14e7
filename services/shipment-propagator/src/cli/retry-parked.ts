import { buildEnvelope, createDatabasePool, EffectStore, recordEvent } from '@retail-backbone/messaging';
import { createLogger, createMetricsRegistry } from '@retail-backbone/observability';
import { Command } from 'commander';
import { configFromEnv } from '../config';
import { migratePropagator } from '../db/migrate';
import { PropagatorStore } from '../db/store';
import { ShipmentIntake } from '../intake';
import { propagatorMetrics } from '../metrics';
import { ParkedPropagations } from '../parked';
import { channelTarget, type TargetKind } from '../propagation';

/**
 * After a fix (the order replayed, the lines corrected, the channel's refusal resolved): checks
 * parked shipments again and makes refused propagations due now; the running service's effect
 * executor performs them. Same environment as the service.
 */
async function main(): Promise<void> {
  const program = new Command()
    .name('retry-parked')
    .description('Check parked shipments again and retry propagations a channel refused; the running shipment-propagator performs them')
    .option('--order <orderId>', 'only this order')
    .parse();
  const { order } = program.opts<{ order?: string }>();
  const config = configFromEnv();
  await migratePropagator(config.databaseUrl, config.schema);
  const logger = createLogger({ service: `${config.serviceName}-retry-parked`, level: config.logLevel });
  const pool = createDatabasePool({ connectionString: config.databaseUrl, max: 2, name: 'retry-parked', logger });
  try {
    const store = new PropagatorStore(config.schema);
    const effects = new EffectStore(config.schema);
    const metrics = propagatorMetrics(createMetricsRegistry({ service: 'retry-parked', defaultMetrics: false }), pool, config.schema);
    const configured = (['shopify', 'woocommerce', 'pos'] as const).filter((t) => config[t] !== undefined);
    const intake = new ShipmentIntake(store, effects, metrics, {
      shipmentsTopic: config.shipmentsTopic,
      channels: new Set<TargetKind>(configured.map((t) => channelTarget(t)!)),
      customerHook: config.customerHook !== undefined,
    });
    const parked = new ParkedPropagations(pool, store, effects, intake, (tx, cause) => async (event) => {
      const envelope = buildEnvelope({ eventType: event.eventType, producer: config.serviceName, region: config.region, correlationId: cause.correlationId ?? '', causationId: cause.eventId ?? null });
      await recordEvent(tx, { topic: event.topic, key: event.key, eventType: event.eventType, value: { ...event.value, envelope } }, { schema: config.schema });
    });
    const result = await parked.retry({ orderId: order });
    process.stdout.write(`${JSON.stringify({ ...result, ...(await parked.summary(order)) })}\n`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`retry-parked failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
