/** Refused payloads, kept (already scrubbed of card data) and announced as IngestRejected. */
import { newEventId, type IngestRejected } from '@retail-backbone/contracts';
import type { PoolClient } from 'pg';
import { recordInChunks, toOutbox } from './ingest-events';
import type { RejectionInput, StoreScope } from './ingest-types';

/**
 * The excerpt a rejection event carries: topics keep Kafka's 1 MB default and a refused POS batch
 * may be 16 MB, and an event the broker refuses would hold back its key; the whole body stays in
 * the rejections table.
 */
export const REJECTION_EXCERPT_BYTES = 64 * 1024;

export async function insertRejections(scope: StoreScope, tx: PoolClient, rejections: RejectionInput[]): Promise<void> {
  if (rejections.length === 0) return;
  await tx.query(
    `INSERT INTO ${scope.s}.rejections (rejection_id, channel, channel_id, endpoint, external_id, http_status, reason_code, errors, content_type, payload, correlation_id, received_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[], $8::jsonb[], $9::text[], $10::bytea[], $11::text[], $12::timestamptz[])`,
    [
      rejections.map((r) => r.rejectionId),
      rejections.map((r) => r.channel),
      rejections.map((r) => r.channelId),
      rejections.map((r) => r.endpoint),
      rejections.map((r) => r.externalId),
      rejections.map((r) => r.httpStatus),
      rejections.map((r) => r.reasonCode),
      rejections.map((r) => JSON.stringify(r.errors)),
      rejections.map((r) => r.contentType),
      rejections.map((r) => r.payload),
      rejections.map((r) => r.correlationId),
      rejections.map((r) => new Date(r.receivedAt)),
    ],
  );
  const events = rejections.map((r) => {
    const body: Omit<IngestRejected, 'envelope'> = {
      rejectionId: r.rejectionId,
      channel: r.channel,
      channelId: r.channelId,
      endpoint: r.endpoint,
      externalId: r.externalId,
      httpStatus: r.httpStatus,
      reasonCode: r.reasonCode,
      errors: r.errors.map((e) => ({ path: e.pointer, message: e.detail })),
      contentType: r.contentType,
      payload: r.payload.subarray(0, REJECTION_EXCERPT_BYTES),
      payloadTruncated: r.payload.length > REJECTION_EXCERPT_BYTES,
      payloadSize: r.payload.length,
      payloadRef: `order-ingest:rejections/${r.rejectionId}`,
      receivedAt: r.receivedAt,
    };
    return toOutbox(scope, 'IngestRejected', body, newEventId(), r.correlationId, r.receivedAt);
  });
  await recordInChunks(tx, scope, events);
}
