import { createLogger, Lifecycle, startTelemetry, type Logger } from '@retail-backbone/observability';

/** The settings every service's config carries (baseServiceEnv). */
export interface BaseServiceConfig {
  region: string;
  logLevel: string;
  shutdownTimeoutMs: number;
}

export interface ServiceMainOptions<C extends BaseServiceConfig> {
  /** Names the telemetry resource and the log lines written before the service's own logger exists. */
  name: string | ((config: C) => string);
  /** Reads and validates the environment (loadConfig): every problem at once, as a ConfigError. */
  loadConfig: () => C;
  start: (config: C, logger: Logger) => Promise<{ stop(): Promise<void> }>;
}

/**
 * The entry point of a service process: configuration (a bad one exits 1 naming every problem,
 * one per line), tracing, the JSON logger, start, and SIGTERM/SIGINT → drain within the shutdown
 * timeout (exit 0, or 1 when it ran out). A failed start exits 1 with its reason.
 */
export function runServiceMain<C extends BaseServiceConfig>(options: ServiceMainOptions<C>): void {
  let label = typeof options.name === 'string' ? options.name : 'service';
  const main = async () => {
    const config = options.loadConfig();
    label = typeof options.name === 'string' ? options.name : options.name(config);
    const telemetry = startTelemetry({ serviceName: label, attributes: { 'deployment.region': config.region } });
    const logger = createLogger({ service: label, level: config.logLevel, defaultMeta: { region: config.region } });
    let running: { stop(): Promise<void> } | undefined;
    const lifecycle = new Lifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs }).handleSignals();
    lifecycle.onStart(label, async () => {
      running = await options.start(config, logger);
    });
    lifecycle.onStop(label, () => running?.stop());
    lifecycle.onStop('telemetry', () => telemetry.shutdown());
    await lifecycle.start();
  };
  main().catch((error: unknown) => {
    process.stderr.write(`${label} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
