import { buildFaultPlan, killsPerService } from './fault-plan';

const services = ['order-ingest', 'inventory-projector', 'odoo-writer'];

describe('chaos fault plan', () => {
  it('kills each service at least 20 times per 10 minutes, scaled with the duration', () => {
    for (const minutes of [2, 10, 15]) {
      const plan = buildFaultPlan({ durationMs: minutes * 60_000, services, seed: 7 });
      for (const service of services) {
        const kills = plan.filter((f) => f.kind === 'kill' && f.service === service);
        expect(kills.length).toBe(killsPerService(minutes * 60_000));
        expect(kills.length).toBeGreaterThanOrEqual(Math.ceil(2 * minutes));
        for (const kill of kills) expect(kill.atMs).toBeLessThan(minutes * 60_000);
      }
    }
  });

  it('has one restart of PostgreSQL, the broker and the registry and one Odoo outage, 5 minutes at 10 minutes', () => {
    const plan = buildFaultPlan({ durationMs: 600_000, services, seed: 1 });
    for (const kind of ['postgres-restart', 'kafka-restart', 'registry-restart', 'odoo-outage'] as const) expect(plan.filter((f) => f.kind === kind)).toHaveLength(1);
    expect(plan.find((f) => f.kind === 'odoo-outage')!.downMs).toBe(300_000);
    expect(buildFaultPlan({ durationMs: 120_000, services, seed: 1 }).find((f) => f.kind === 'odoo-outage')!.downMs).toBe(60_000);
  });

  it('repeats itself for a seed and differs for another', () => {
    const a = buildFaultPlan({ durationMs: 120_000, services, seed: 3 });
    expect(buildFaultPlan({ durationMs: 120_000, services, seed: 3 })).toEqual(a);
    expect(buildFaultPlan({ durationMs: 120_000, services, seed: 4 })).not.toEqual(a);
  });
});
