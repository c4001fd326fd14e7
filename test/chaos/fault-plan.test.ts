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

  it('database scenario: every connection terminated every few seconds across the run, one PostgreSQL and one registry restart, no kill, broker restart or Odoo outage', () => {
    const plan = buildFaultPlan({ durationMs: 120_000, services, seed: 1, scenario: 'database', terminateEveryMs: 3_000 });
    const count = (kind: string) => plan.filter((f) => f.kind === kind).length;
    expect([count('kill'), count('kafka-restart'), count('odoo-outage'), count('postgres-restart'), count('registry-restart')]).toEqual([0, 0, 0, 1, 1]);
    const at = plan.filter((f) => f.kind === 'pg-terminate').map((f) => f.atMs);
    expect(at.length).toBeGreaterThanOrEqual(Math.floor((120_000 * 0.9) / 3_000) - 1);
    for (const [i, ms] of at.entries()) if (i > 0) expect(ms - at[i - 1]!).toBe(3_000);
    expect(at[0]).toBeLessThan(120_000 * 0.05 + 3_000 + 1);
    expect(at[at.length - 1]).toBeGreaterThan(120_000 * 0.95 - 3_001);
  });

  it('all: the standard plan plus the terminations; standard has none; the Odoo outage can be shortened', () => {
    const standard = buildFaultPlan({ durationMs: 90_000, services, seed: 2 });
    const all = buildFaultPlan({ durationMs: 90_000, services, seed: 2, scenario: 'all' });
    expect(standard.some((f) => f.kind === 'pg-terminate')).toBe(false);
    expect(all.filter((f) => f.kind !== 'pg-terminate')).toEqual(standard);
    expect(all.filter((f) => f.kind === 'pg-terminate').length).toBeGreaterThan(20);
    expect(buildFaultPlan({ durationMs: 90_000, services, seed: 2, odooOutageMs: 15_000 }).find((f) => f.kind === 'odoo-outage')!.downMs).toBe(15_000);
  });
});
