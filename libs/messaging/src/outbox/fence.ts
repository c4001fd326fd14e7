import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** Kafka's Produce request: api key 0, right after the 4-byte size prefix of every request. */
const PRODUCE_API_KEY = 0;

export class SendFencedError extends Error {
  // Not an outage: the relay gave the send up on purpose; the loop re-checks its leases.
  readonly retryable = false;
  constructor() {
    super('produce request fenced: the relay lane lease (or the send time limit) ran out before it was written');
    this.name = 'SendFencedError';
  }
}

/**
 * Fences a relay's produce requests at the socket. A relay may only put a Produce request on the
 * wire while `open()` says so: inside a send it started with enough lease left, before that
 * send's deadline. The check runs synchronously in the socket write, the last moment before the
 * bytes leave the process, so a relay paused anywhere (GC, SIGSTOP, an overloaded host) and
 * resumed after its lease ran out cannot publish anything: the socket is destroyed instead and
 * kafkajs sees a failed request. Without it, a batch resumed after another instance took the lane
 * over would land after that owner's newer rows.
 */
export class ProduceFence {
  private deadline = 0;
  private fenced = 0;

  /** Allows produce requests until `deadline` (epoch ms). */
  openUntil(deadline: number): void {
    this.deadline = deadline;
  }

  close(): void {
    this.deadline = 0;
  }

  isOpen(now = Date.now()): boolean {
    return now < this.deadline;
  }

  /** Produce requests refused so far. */
  fencedRequests(): number {
    return this.fenced;
  }

  /** A kafkajs socket factory whose sockets refuse produce requests while the fence is closed. */
  socketFactory(): ISocketFactory {
    return ({ host, port, ssl, onConnect }) => {
      const socket = ssl
        ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
        : net.connect({ host, port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => {
        const chunk = args[0];
        if (Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === PRODUCE_API_KEY && !this.isOpen()) {
          this.fenced += 1;
          socket.destroy(new SendFencedError());
          return false;
        }
        return write(...args);
      }) as typeof socket.write;
      return socket;
    };
  }
}
