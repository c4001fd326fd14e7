/** One jest run for the whole repo, so the dev stack (and Apache Kafka) starts once per run. */
/* global require, process, __dirname, module */
const { spawnSync } = require('node:child_process');

const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

/**
 * The suites that run a second time against a real Apache Kafka broker: the broker-facing
 * messaging guarantees (outbox, inbox/runner, DLQ, replay, tracing), the end-to-end pipeline and the
 * loyalty and shipment round trips through the whole platform.
 * The conformance suite compares the brokers itself (libs/dev-kafka/test/realKafka.test.ts).
 */
const ON_BOTH_BROKERS = [
  '<rootDir>/libs/messaging/test/outbox.test.ts',
  '<rootDir>/libs/messaging/test/relay-crash.test.ts',
  '<rootDir>/libs/messaging/test/consumer.test.ts',
  '<rootDir>/libs/messaging/test/replay-cli.test.ts',
  '<rootDir>/libs/messaging/test/tracing.test.ts',
  '<rootDir>/test/e2e/pipeline.test.ts',
  '<rootDir>/test/e2e/loyalty.test.ts',
  '<rootDir>/test/e2e/shipment-propagation.test.ts',
];

/**
 * Apache Kafka runs always in CI (a missing Java is then a failure) and elsewhere when `java`
 * runs; DEVSTACK_TEST_APACHE=0 opts out. The global setup reads the decision from the variable.
 */
function apacheWanted() {
  if (process.env.CI === 'true') return true;
  if (process.env.DEVSTACK_TEST_APACHE === '0') return false;
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}
process.env.DEVSTACK_TEST_APACHE_WAS = process.env.DEVSTACK_TEST_APACHE ?? '';
const apache = apacheWanted();
process.env.DEVSTACK_TEST_APACHE = apache ? '1' : '0';
if (!apache) {
  const why = process.env.DEVSTACK_TEST_APACHE_WAS === '0' ? 'DEVSTACK_TEST_APACHE=0' : 'no java on PATH (install Java 17+ and Maven to run them)';
  process.stderr.write(`Apache Kafka suites skipped: ${why}\n`);
}

const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  // Only the source trees: .cache holds deploy:check's production install (copies of every
  // package.json) and the Maven/pip caches, which jest's module map must never see.
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.cache/', '<rootDir>/(libs|services)/[^/]+/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/libs/devstack/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/libs/devstack/src/jest/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: process.env.CI ? 2 : '50%',
  projects: [
    {
      ...base,
      displayName: 'dev',
      testMatch: ['**/?(*.)test.ts'],
    },
    ...(apache
      ? [
          {
            ...base,
            displayName: 'apache',
            testMatch: ON_BOTH_BROKERS,
            setupFiles: ['<rootDir>/libs/devstack/src/jest/use-apache-kafka.ts'],
          },
        ]
      : []),
  ],
};
