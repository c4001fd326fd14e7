import type { CapacitySettings } from './capacity';
import type { SeedProduct } from './engine';
import type { FaultSpec } from './faults';
import { createApp } from './http-app';
import { OdooSimulator, type OdooSimulatorOptions, type OutageMode } from './simulator';

export type { CapacitySettings, FaultSpec, OdooSimulatorOptions, OutageMode, SeedProduct };
export type { FaultKind, StallStage } from './faults';
export { DEFAULT_PRODUCTS } from './engine';

export interface RunningOdooSimulator {
  url: string;
  database: string;
  /** The first configured API key. */
  apiKey: string;
  login: string;
  uid: number;
  control: {
    reset(): Promise<void>;
    setLatency(ms: number): void;
    /** Odoo's limit_time_real (see OdooSimulatorOptions.limitTimeRealMs). */
    setLimitTimeReal(ms: number): void;
    setCapacity(settings: Partial<CapacitySettings>): CapacitySettings;
    injectFault(fault: FaultSpec): number;
    clearFaults(): void;
    /** 'refused' closes the listening socket; null restores service. */
    setOutage(mode: OutageMode | null, opts?: { durationMs?: number; retryAfterSeconds?: number }): Promise<void>;
    seedProducts(products: SeedProduct[]): number[];
    resetStats(): void;
    /** Skews the simulated Odoo server's clock (write_date, date_done…) by this many ms. */
    setClockOffset(ms: number): void;
  };
  /** Stored rows of a model (raw values). */
  records(model: string): Array<Record<string, unknown> & { id: number }>;
  /** Calls by "model/method", max concurrency, calls per second, worker usage. */
  stats(windowSeconds?: number): ReturnType<OdooSimulator['statsSnapshot']>;
  stop(): Promise<void>;
}

export async function startOdooSimulator(options: OdooSimulatorOptions = {}): Promise<RunningOdooSimulator> {
  const sim = new OdooSimulator(options);
  const url = await sim.start(createApp(sim));
  return {
    url,
    database: sim.database,
    apiKey: sim.apiKeys[0]!,
    login: sim.login,
    uid: sim.uid,
    control: {
      reset: () => sim.reset(),
      setLatency: (ms) => sim.setLatency(ms),
      setLimitTimeReal: (ms) => sim.setLimitTimeReal(ms),
      setCapacity: (settings) => sim.setCapacity(settings),
      injectFault: (fault) => sim.injectFault(fault),
      clearFaults: () => sim.faults.clear(),
      setOutage: (mode, opts) => sim.setOutage(mode, opts),
      seedProducts: (products) => sim.engine.seedProducts(products),
      resetStats: () => sim.resetStats(),
      setClockOffset: (ms) => sim.setClockOffset(ms),
    },
    records: (model) => sim.engine.records(model),
    stats: (windowSeconds) => sim.statsSnapshot(windowSeconds),
    stop: () => sim.stop(),
  };
}
