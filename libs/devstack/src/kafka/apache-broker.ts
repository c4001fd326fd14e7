/**
 * A real Apache Kafka 4.x broker (KRaft, one combined broker+controller node) on loopback, from
 * Maven Central artifacts: the runtime classpath of `apache-kafka/pom.xml` is copied once into
 * `.cache/apache-kafka/<version>/lib` (Maven's own repository kept in `.cache/maven`), so a second
 * start fetches nothing. Same handle as the dev broker, so the dev stack, the tests and the chaos
 * matrix run on either.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startWatchdog, type Watchdog } from '../postgres/watchdog';
import type { KafkaBrokerHandle } from './broker-handle';
import { freePort } from '../ports';

export const APACHE_KAFKA_VERSION = '4.1.1';
const HOST = '127.0.0.1';
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const POM = path.resolve(__dirname, '..', '..', 'apache-kafka', 'pom.xml');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

export interface ApacheBrokerOptions {
  /** Kept data (KRaft metadata and topic logs). Undefined: a throwaway directory removed on stop. */
  dataDir?: string;
  /** Where the classpath is cached. Default: `<repo>/.cache/apache-kafka`. */
  cacheDir?: string;
  /** Partitions of an auto-created topic; the dev broker's default is 1 as well. */
  defaultPartitions?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /**
   * A second listener, SASL_PLAINTEXT with SCRAM, and this one user, created when the storage is
   * formatted (a kept data directory keeps the users it was formatted with). The PLAINTEXT
   * listener stays, so tooling that needs no credentials keeps working.
   */
  scram?: ScramUser;
  /**
   * With `scram`: a third listener, SASL_SSL, whose certificate (self-signed for 127.0.0.1, made
   * with the JDK's keytool) is written as PEM to `tlsCaFile` for clients to trust.
   */
  tls?: boolean;
}

export interface ScramUser {
  mechanism?: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
}

/** Thrown when Java or Maven is missing: the message says in one line what to install. */
export class ApacheKafkaUnavailable extends Error {}

function onPath(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.status === 0;
}

/** The broker's classpath folder, resolved by Maven on first use. */
export function ensureApacheKafkaClasspath(cacheDir = path.join(REPO_ROOT, '.cache', 'apache-kafka')): string {
  const lib = path.join(cacheDir, APACHE_KAFKA_VERSION, 'lib');
  const marker = path.join(lib, '.complete');
  if (fs.existsSync(marker)) return lib;
  if (!onPath('java', ['-version'])) {
    throw new ApacheKafkaUnavailable('Apache Kafka mode needs Java 17 or newer on PATH (apt-get install openjdk-17-jre-headless)');
  }
  if (!onPath('mvn', ['-v'])) {
    throw new ApacheKafkaUnavailable('Apache Kafka mode needs Maven on PATH to fetch the broker from Maven Central (apt-get install maven)');
  }
  fs.rmSync(lib, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      `-Dmaven.repo.local=${path.join(path.dirname(cacheDir), 'maven')}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${lib}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    throw new Error(`resolving Apache Kafka ${APACHE_KAFKA_VERSION} with Maven failed: ${(result.stdout + result.stderr).trim().slice(-2000)}`);
  }
  fs.writeFileSync(marker, `${APACHE_KAFKA_VERSION}\n`);
  return lib;
}


/** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, as `kafka-storage random-uuid` prints. */
function clusterId(): string {
  return crypto.randomBytes(16).toString('base64url');
}

interface Layout {
  dir: string;
  logDirs: string;
  properties: string;
  log4j: string;
  logFile: string;
}

interface SaslListeners {
  port: number;
  mechanism: string;
  tls?: { port: number; keystore: string; password: string };
}

function writeConfig(layout: Layout, port: number, controllerPort: number, partitions: number, sasl?: SaslListeners): void {
  const saslListener = sasl ? `,SASL_PLAINTEXT://${HOST}:${sasl.port}${sasl.tls ? `,SASL_SSL://${HOST}:${sasl.tls.port}` : ''}` : '';
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${controllerPort}`,
    `listeners=PLAINTEXT://${HOST}:${port}${saslListener},CONTROLLER://${HOST}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${port}${saslListener}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${sasl ? ',SASL_PLAINTEXT:SASL_PLAINTEXT' : ''}${sasl?.tls ? ',SASL_SSL:SASL_SSL' : ''}`,
    ...(sasl ? [`sasl.enabled.mechanisms=${sasl.mechanism}`, `listener.name.sasl_plaintext.${sasl.mechanism.toLowerCase()}.sasl.jaas.config=${jaas}`] : []),
    ...(sasl?.tls
      ? [
          `listener.name.sasl_ssl.${sasl.mechanism.toLowerCase()}.sasl.jaas.config=${jaas}`,
          `listener.name.sasl_ssl.ssl.keystore.location=${sasl.tls.keystore}`,
          'listener.name.sasl_ssl.ssl.keystore.type=PKCS12',
          `listener.name.sasl_ssl.ssl.keystore.password=${sasl.tls.password}`,
          `listener.name.sasl_ssl.ssl.key.password=${sasl.tls.password}`,
        ]
      : []),
    `log.dirs=${layout.logDirs}`,
    `num.partitions=${partitions}`,
    'auto.create.topics.enable=true',
    // One node: every internal topic has one replica, or the coordinators never come up.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests join and leave groups constantly; the default 3 s delay would slow every one of them.
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=9223372036854775807',
  ];
  fs.writeFileSync(layout.properties, `${lines.join('\n')}\n`);
  fs.writeFileSync(
    layout.log4j,
    [
      'appender.file.type = File',
      'appender.file.name = file',
      `appender.file.fileName = ${layout.logFile}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.file.ref = file',
      // The request logger at INFO writes a line per request; the broker's own state is enough.
      'logger.request.name = kafka.request.logger',
      'logger.request.level = WARN',
      '',
    ].join('\n'),
  );
}

function javaArgs(lib: string, layout: Layout, main: string[]): string[] {
  return [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${layout.log4j}`,
    `-Dkafka.logs.dir=${layout.dir}`,
    '-cp',
    `${lib}/*`,
    ...main,
  ];
}

/**
 * A self-signed certificate for 127.0.0.1 in a PKCS12 keystore, and the same certificate as PEM
 * for clients to trust. keytool comes with the JDK the broker runs on, so nothing else is needed.
 */
function writeCertificate(dir: string): { keystore: string; password: string; caFile: string } {
  const keystore = path.join(dir, 'broker.p12');
  const caFile = path.join(dir, 'broker-ca.pem');
  const passwordFile = path.join(dir, 'broker.p12.password');
  if (fs.existsSync(keystore) && fs.existsSync(caFile) && fs.existsSync(passwordFile)) {
    return { keystore, caFile, password: fs.readFileSync(passwordFile, 'utf8').trim() };
  }
  const password = crypto.randomBytes(18).toString('base64url');
  const keytool = (args: string[]) => {
    const result = spawnSync('keytool', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`keytool ${args[0]} failed: ${(result.stdout + result.stderr).trim().slice(-1000)}`);
  };
  fs.rmSync(keystore, { force: true });
  keytool(['-genkeypair', '-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-keypass', password, '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '30', '-dname', `CN=${HOST}`, '-ext', `SAN=ip:${HOST}`, '-ext', 'BC:c=ca:true']);
  keytool(['-exportcert', '-rfc', '-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-alias', 'broker', '-file', caFile]);
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  return { keystore, caFile, password };
}

function formatStorage(lib: string, layout: Layout, scram?: ScramUser): void {
  if (fs.existsSync(path.join(layout.logDirs, 'meta.properties'))) return;
  // KRaft keeps SCRAM credentials in its metadata log; format writes the first ones.
  const users = scram ? ['--add-scram', `${scram.mechanism ?? 'SCRAM-SHA-512'}=[name=${scram.username},password=${scram.password}]`] : [];
  const result = spawnSync(
    'java',
    javaArgs(lib, layout, ['kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', layout.properties, '--ignore-formatted', ...users]),
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`kafka-storage format failed: ${(result.stdout + result.stderr).trim().slice(-2000)}`);
}

function tail(file: string, bytes = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

/** Ready once the broker logs that it started and its listener accepts a connection. */
async function waitUntilReady(proc: ChildProcess, port: number, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: string | undefined;
  proc.once('exit', (code, signal) => (exited = `exit code ${code ?? 'none'}, signal ${signal ?? 'none'}`));
  for (;;) {
    if (exited) throw new Error(`Apache Kafka exited during start-up (${exited}); log ${logFile}:\n${tail(logFile)}`);
    if (Date.now() > deadline) throw new Error(`Apache Kafka not ready within ${READY_TIMEOUT_MS} ms; log ${logFile}:\n${tail(logFile)}`);
    if (tail(logFile, 200_000).includes('Kafka Server started') && (await accepts(port))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export async function startApacheBroker(
  options: ApacheBrokerOptions = {},
): Promise<
  KafkaBrokerHandle & {
    startupMs: number;
    logFile: string;
    /** With `scram`: the SASL_PLAINTEXT listener. */
    saslBootstrap?: string;
    /** With `scram` and `tls`: the SASL_SSL listener and the PEM file of its certificate. */
    tlsBootstrap?: string;
    tlsCaFile?: string;
  }
> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const lib = ensureApacheKafkaClasspath(options.cacheDir);
  const scratch = options.dataDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-apache-kafka-'));
  const dir = path.resolve(options.dataDir ?? (scratch as string));
  fs.mkdirSync(dir, { recursive: true });
  const layout: Layout = {
    dir,
    logDirs: path.join(dir, 'kraft'),
    properties: path.join(dir, 'server.properties'),
    log4j: path.join(dir, 'log4j2.properties'),
    logFile: path.join(dir, 'kafka.log'),
  };
  // A kept broker keeps its ports, so clients configured last time still reach it.
  const portsFile = path.join(dir, 'ports.json');
  const kept = fs.existsSync(portsFile) ? (JSON.parse(fs.readFileSync(portsFile, 'utf8')) as { port: number; controllerPort: number; saslPort?: number; tlsPort?: number }) : undefined;
  const port = kept?.port ?? (await freePort(HOST));
  const controllerPort = kept?.controllerPort ?? (await freePort(HOST));
  const saslPort = options.scram ? (kept?.saslPort ?? (await freePort(HOST))) : undefined;
  const tlsPort = options.scram && options.tls ? (kept?.tlsPort ?? (await freePort(HOST))) : undefined;
  fs.writeFileSync(portsFile, JSON.stringify({ port, controllerPort, saslPort, tlsPort }));
  const certificate = tlsPort !== undefined ? writeCertificate(dir) : undefined;
  const sasl: SaslListeners | undefined =
    saslPort !== undefined
      ? { port: saslPort, mechanism: options.scram?.mechanism ?? 'SCRAM-SHA-512', tls: tlsPort !== undefined && certificate ? { port: tlsPort, keystore: certificate.keystore, password: certificate.password } : undefined }
      : undefined;
  writeConfig(layout, port, controllerPort, options.defaultPartitions ?? 1, sasl);
  const removeScratch = () => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  };

  let server: ChildProcess | undefined;
  let watchdog: Watchdog | undefined;
  const launch = async (): Promise<void> => {
    const proc = spawn('java', javaArgs(lib, layout, ['kafka.Kafka', layout.properties]), { stdio: 'ignore', detached: true });
    proc.unref();
    // Kills the JVM if the process that started it dies without stop().
    watchdog = startWatchdog(proc.pid as number, scratch ? [scratch] : []);
    try {
      await waitUntilReady(proc, port, layout.logFile);
    } catch (err) {
      watchdog.disarm();
      await stopProcess(proc);
      throw err;
    }
    server = proc;
    proc.once('exit', (code, signal) => {
      if (server === proc) log('error', 'apache kafka exited unexpectedly', { code, signal, logFile: layout.logFile });
    });
  };
  const halt = async (): Promise<void> => {
    const proc = server;
    server = undefined;
    watchdog?.disarm();
    if (proc) await stopProcess(proc);
  };

  try {
    formatStorage(lib, layout, options.scram);
    await launch();
  } catch (err) {
    removeScratch();
    throw err;
  }
  const startupMs = Date.now() - started;
  log('info', 'apache kafka ready', { version: APACHE_KAFKA_VERSION, bootstrap: `${HOST}:${port}`, startupMs, logFile: layout.logFile });

  let restarting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    bootstrap: `${HOST}:${port}`,
    saslBootstrap: saslPort !== undefined ? `${HOST}:${saslPort}` : undefined,
    tlsBootstrap: tlsPort !== undefined ? `${HOST}:${tlsPort}` : undefined,
    tlsCaFile: certificate?.caFile,
    startupMs,
    logFile: layout.logFile,
    restart({ downMs = 0 } = {}) {
      if (stopped) return Promise.reject(new Error('the broker was stopped; it cannot be restarted'));
      restarting ??= (async () => {
        await halt();
        log('info', 'apache kafka stopped for a restart', { downMs });
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        await launch();
        log('info', 'apache kafka restarted', { bootstrap: `${HOST}:${port}` });
      })().finally(() => (restarting = undefined));
      return restarting;
    },
    stop() {
      stopped ??= (async () => {
        await restarting?.catch(() => undefined);
        await halt();
        removeScratch();
      })();
      return stopped;
    },
  };
}
