import { randomBytes } from 'node:crypto';
import type { DevStack } from '../devstack';
import { startDevStack } from '../devstack';
import { ApacheKafkaUnavailable, startApacheBroker } from '../kafka/apache-broker';
import type { KafkaBrokerHandle } from '../kafka/broker-handle';
import { stderrSink, silentSink } from '../log';
import { ensureDebianPackage } from '../tools/debian-packages';

/** Shared with global-teardown, which jest runs in this same process. */
export const STACK_KEY = Symbol.for('@retail-backbone/devstack/jest-stack');
export const APACHE_KEY = Symbol.for('@retail-backbone/devstack/jest-apache-kafka');

/**
 * Starts one throwaway stack (temporary PostgreSQL, in-memory dev broker) per jest run unless the
 * connection settings are already in the environment, and, where Java is present (always in CI),
 * one Apache Kafka broker beside it, exported as KAFKA_BROKERS_APACHE for the suites that run on
 * both brokers (see jest.config.js).
 */
/**
 * The Apache broker also listens with SASL_PLAINTEXT and SASL_SSL (a self-signed certificate) for
 * this one SCRAM-SHA-512 user, so a test can prove KAFKA_SASL_* and KAFKA_TLS* against a real
 * broker (libs/messaging/test/kafka-scram.test.ts). A fresh password per run: the broker lives as
 * long as the run.
 */
const APACHE_SCRAM_USER = { mechanism: 'SCRAM-SHA-512' as const, username: 'backbone-test', password: randomBytes(18).toString('base64url') };

export default async function globalSetup(): Promise<void> {
  const verbose = process.env.DEVSTACK_VERBOSE === '1';
  const holder = globalThis as Record<symbol, unknown>;
  // jest.config.js decides (it also adds the "apache" project) and says so in this variable.
  const apache = process.env.DEVSTACK_TEST_APACHE === '1'
    ? startApacheBroker({ scram: APACHE_SCRAM_USER, tls: true }).catch((error: unknown) => {
        if (error instanceof ApacheKafkaUnavailable && process.env.CI !== 'true') {
          process.stderr.write(`Apache Kafka suites skipped: ${error.message}\n`);
          return undefined;
        }
        throw error;
      })
    : Promise.resolve(undefined);
  // In CI every suite runs: the Debian tools some of them drive are installed here, once, up front.
  const tools = process.env.CI === 'true'
    ? ensureDebianPackage('kcat', 'kcat').then((kcat) => {
        if (!kcat) throw new Error('kcat is missing and could not be installed (apt-get install -y kcat, as root)');
      })
    : Promise.resolve();
  const [stackResult, apacheResult, toolsResult] = await Promise.allSettled([startDevStack({ persistent: false, log: verbose ? stderrSink : silentSink }), apache, tools]);
  if (stackResult.status === 'fulfilled') holder[STACK_KEY] = stackResult.value;
  if (apacheResult.status === 'fulfilled' && apacheResult.value) holder[APACHE_KEY] = apacheResult.value;
  const failed = [stackResult, apacheResult, toolsResult].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await (holder[STACK_KEY] as DevStack | undefined)?.stop().catch(() => undefined);
    await (holder[APACHE_KEY] as KafkaBrokerHandle | undefined)?.stop().catch(() => undefined);
    throw failed.reason;
  }
  const stack = holder[STACK_KEY] as DevStack;
  Object.assign(process.env, stack.env);
  const broker = apacheResult.status === 'fulfilled' ? apacheResult.value : undefined;
  if (broker) {
    process.env.KAFKA_BROKERS_APACHE = broker.bootstrap;
    if (broker.saslBootstrap) {
      process.env.KAFKA_BROKERS_APACHE_SCRAM = broker.saslBootstrap;
      process.env.KAFKA_APACHE_SCRAM_USERNAME = APACHE_SCRAM_USER.username;
      process.env.KAFKA_APACHE_SCRAM_PASSWORD = APACHE_SCRAM_USER.password;
    }
    if (broker.tlsBootstrap && broker.tlsCaFile) {
      process.env.KAFKA_BROKERS_APACHE_TLS = broker.tlsBootstrap;
      process.env.KAFKA_APACHE_TLS_CA_FILE = broker.tlsCaFile;
    }
    process.stderr.write(`Apache Kafka ready in ${broker.startupMs} ms at ${broker.bootstrap} (log ${broker.logFile})\n`);
  }
  if (verbose) process.stderr.write(`dev stack ready in ${stack.startupMs} ms\n`);
}
