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

describe('Kafka connection security from the environment', () => {
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
