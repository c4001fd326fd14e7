import type * as net from 'node:net';
import { MalformedRequestError, Reader } from '../protocol/reader';
import { ErrorCode } from '../protocol/errors';
import { ApiKey } from '../protocol/codec';
import { Writer } from '../protocol/writer';
import type { BrokerContext } from './context';
import { findRoute, unsupportedApiVersions } from './routes';

/** Frames larger than this are refused; real brokers use a similar socket.request.max.bytes. */
export const MAX_FRAME_BYTES = 100 * 1024 * 1024;
/** apiKey, apiVersion, correlationId and the clientId length. */
const MIN_HEADER_BYTES = 10;

/** One client socket: splits frames, dispatches requests, writes responses as they complete. */
export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly remote: string;

  constructor(
    private readonly socket: net.Socket,
    private readonly broker: BrokerContext,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => broker.log.debug('connection error', { remote: this.remote, error: err.message }));
    broker.log.debug('connection opened', { remote: this.remote });
  }

  close(): void {
    this.socket.destroy();
  }

  private reject(reason: string, fields: Record<string, unknown> = {}): void {
    this.broker.log.warn('closing connection', { remote: this.remote, reason, ...fields });
    this.chunks = [];
    this.buffered = 0;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4 && !this.socket.destroyed) {
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.flatten();
      const size = head.readInt32BE(0);
      if (size < MIN_HEADER_BYTES || size > MAX_FRAME_BYTES) {
        this.reject('invalid frame size', { size, max: MAX_FRAME_BYTES });
        return;
      }
      if (this.buffered < 4 + size) return;
      const all = this.flatten();
      const frame = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.dispatch(frame);
    }
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!;
  }

  private dispatch(frame: Buffer): void {
    const r = new Reader(frame);
    let apiKey: number;
    let apiVersion: number;
    let correlationId: number;
    let clientId: string;
    try {
      apiKey = r.int16();
      apiVersion = r.int16();
      correlationId = r.int32();
      clientId = r.classicNullableString() ?? '';
    } catch (err) {
      this.reject('malformed request header', { error: (err as Error).message });
      return;
    }
    const route = findRoute(apiKey);
    if (!route || apiVersion < route.minVersion || apiVersion > route.maxVersion) {
      this.broker.log.warn('unsupported api version', { remote: this.remote, apiKey, apiVersion, clientId });
      // ApiVersions gets Kafka's answer: the v0 body with error 35 and the ranges, so the client retries lower.
      // Any other API gets error 35 where its body starts; the connection stays open either way.
      this.respond(correlationId, apiKey === ApiKey.ApiVersions ? unsupportedApiVersions : (w) => w.int16(ErrorCode.UNSUPPORTED_VERSION), false);
      return;
    }
    const flexible = apiVersion >= route.flexibleFrom;
    if (flexible) {
      r.flexible = true;
      try {
        r.tags(); // request header v2
      } catch (err) {
        this.reject('malformed request header', { error: (err as Error).message });
        return;
      }
    }
    const context = { clientId, clientHost: this.socket.remoteAddress ?? '', apiVersion };
    // ApiVersions answers with the v0 response header whatever its version (KIP-511).
    const flexibleHeader = flexible && apiKey !== ApiKey.ApiVersions;
    route.run(r, this.broker, context).then(
      (body) => {
        if (body) this.respond(correlationId, body, flexible, flexibleHeader);
      },
      (err: unknown) => {
        if (err instanceof MalformedRequestError || err instanceof RangeError) {
          this.reject('malformed request', { api: route.name, version: apiVersion, error: err.message });
        } else {
          this.broker.log.error('request failed', { api: route.name, error: (err as Error).stack ?? String(err) });
          this.socket.destroy();
        }
      },
    );
  }

  private respond(correlationId: number, body: (w: Writer) => void, flexible: boolean, flexibleHeader = flexible): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const w = new Writer();
    w.int32(0).int32(correlationId);
    w.flexible = flexible;
    if (flexibleHeader) w.tags(); // response header v1
    body(w);
    const chunks = w.finish();
    chunks[0]!.writeInt32BE(w.length - 4, 0);
    this.socket.cork();
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }
}
