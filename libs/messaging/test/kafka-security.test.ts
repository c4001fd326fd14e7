import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { kafkaSecurityFromEnv } from '@retail-backbone/connections';
import { logLevel } from 'kafkajs';
import { createKafka } from '../src/kafka';

/** A loopback listener that keeps the first bytes each connection sends, then hangs up. */
async function firstBytesServer(): Promise<{ server: Server; port: number; first: Promise<Buffer> }> {
  let resolveFirst!: (b: Buffer) => void;
  const first = new Promise<Buffer>((resolve) => (resolveFirst = resolve));
  const server = createServer((socket: Socket) => {
    socket.once('data', (chunk) => {
      resolveFirst(chunk);
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, first };
}

async function firstBytesOf(env: Record<string, string>): Promise<Buffer> {
  const { server, port, first } = await firstBytesServer();
  const kafka = createKafka({
    brokers: [`127.0.0.1:${port}`],
    clientId: 'kafka-security-test',
    security: kafkaSecurityFromEnv(env),
    config: { logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 },
  });
  const admin = kafka.admin();
  const connecting = admin.connect().catch(() => undefined);
  try {
    return await first;
  } finally {
    await connecting;
    await admin.disconnect().catch(() => undefined);
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * A listener that answers ApiVersions (listing the SASL APIs) and keeps the next request, which a
 * client configured for SASL must make a SaslHandshake naming its mechanism.
 */
async function saslProbe(env: Record<string, string>): Promise<Buffer> {
  let resolveSecond!: (b: Buffer) => void;
  const second = new Promise<Buffer>((resolve) => (resolveSecond = resolve));
  const server = createServer((socket: Socket) => {
    let requests = 0;
    socket.on('data', (chunk) => {
      requests += 1;
      if (requests === 1) {
        const correlationId = chunk.readInt32BE(8);
        const apis: Array<[number, number, number]> = [
          [17, 0, 1],
          [18, 0, 2],
          [36, 0, 1],
        ];
        const body = Buffer.alloc(4 + 2 + 4 + apis.length * 6 + 4);
        let at = body.writeInt32BE(correlationId, 0);
        at = body.writeInt16BE(0, at);
        at = body.writeInt32BE(apis.length, at);
        for (const [key, min, max] of apis) {
          at = body.writeInt16BE(key, at);
          at = body.writeInt16BE(min, at);
          at = body.writeInt16BE(max, at);
        }
        body.writeInt32BE(0, at);
        const size = Buffer.alloc(4);
        size.writeInt32BE(body.length);
        socket.write(Buffer.concat([size, body]));
      } else {
        resolveSecond(chunk);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const admin = createKafka({
    brokers: [`127.0.0.1:${port}`],
    clientId: 'kafka-sasl-test',
    security: kafkaSecurityFromEnv(env),
    config: { logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 },
  }).admin();
  const connecting = admin.connect().catch(() => undefined);
  try {
    return await second;
  } finally {
    await connecting;
    await admin.disconnect().catch(() => undefined);
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('Kafka connection security from the environment', () => {
  it('starts a SASL handshake with the configured SCRAM mechanism', async () => {
    const request = await saslProbe({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'ingest', KAFKA_SASL_PASSWORD: 'secret-pass' });
    expect(request.readInt16BE(4)).toBe(17); // SaslHandshake
    expect(request.toString('latin1')).toContain('SCRAM-SHA-512');
    expect(request.toString('latin1')).not.toContain('secret-pass');
  });

  it('opens brokers connections with a TLS handshake when KAFKA_TLS=true', async () => {
    const bytes = await firstBytesOf({ KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    expect(bytes[0]).toBe(0x16); // TLS record type: handshake (ClientHello)
  });

  it('speaks plain Kafka protocol without KAFKA_TLS', async () => {
    const bytes = await firstBytesOf({});
    // A Kafka request: 4-byte size, then api key 18 (ApiVersions) as int16.
    expect(bytes.readInt16BE(4)).toBe(18);
  });
});
