/**
 * The steps every ingest route shares once the sender is authenticated: parse, map, record, and
 * answer; refused payloads are kept (card data scrubbed) and emitted as IngestRejected.
 */
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import type { MappedMessage } from '../facts';
import { MalformedJsonError, parseJsonBody } from '@retail-backbone/observability';
import { redactCardData } from '@retail-backbone/observability';
import { sha256, type RejectionInput, type RequestKey, type MessageResult } from '../store/ingest-store';
import { PayloadInvalidError } from '../validation';
import type { RouteContext } from './context';
import { problem, type FieldError } from './problems';
import { correlationIdOf, sendProblem, sendStored } from './respond';

export interface Sender {
  /** Metric label and fact channel: shopify, woocommerce, stripe, pos. */
  channel: string;
  /** IngestRejected.channel ('payments' for payment webhooks). */
  rejectChannel: string;
  channelId: string;
  endpoint: string;
}

export function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function requestKeyOf(scope: string, key: string | undefined | null, body: Buffer): RequestKey | null {
  return key ? { scope, key, payloadHash: sha256(body) } : null;
}

export function rejectionOf(
  req: Request,
  res: Response,
  sender: Sender,
  body: Buffer,
  failure: { status: number; reasonCode: string; errors: FieldError[]; externalId: string | null; isJson: boolean },
): RejectionInput {
  return {
    rejectionId: uuidv7(),
    channel: sender.rejectChannel,
    channelId: sender.channelId,
    endpoint: sender.endpoint,
    externalId: failure.externalId,
    httpStatus: failure.status,
    reasonCode: failure.reasonCode,
    errors: failure.errors,
    contentType: req.header('content-type') ?? null,
    payload: redactCardData(body, failure.isJson),
    correlationId: correlationIdOf(res),
    receivedAt: Date.now(),
  };
}

/** Keeps a refused payload, answers 422 with the field list (or replays the first answer). */
export async function rejectPayload(
  ctx: RouteContext,
  req: Request,
  res: Response,
  sender: Sender,
  body: Buffer,
  requestKey: RequestKey | null,
  error: PayloadInvalidError | MalformedJsonError,
  externalId: string | null,
): Promise<void> {
  const malformed = error instanceof MalformedJsonError;
  const errors = malformed ? [{ pointer: '', detail: error.message }] : error.errors;
  const reasonCode = malformed ? 'malformed_json' : error.reasonCode;
  const rejection = rejectionOf(req, res, sender, body, { status: 422, reasonCode, errors, externalId, isJson: !malformed });
  const answer = problem(malformed ? 'malformedJson' : 'validationFailed', malformed ? 'The body could not be parsed as JSON.' : `${errors.length} field(s) failed validation.`, {
    correlationId: rejection.correlationId,
    rejectionId: rejection.rejectionId,
    errors,
  });
  const outcome = await ctx.store.reject({ requestKey, rejection, responseBody: answer });
  if ('replay' in outcome) {
    ctx.metrics.duplicates.inc({ channel: sender.channel });
    sendStored(res, outcome.replay.status, outcome.replay.body);
    return;
  }
  ctx.metrics.rejected.inc({ channel: sender.channel, reason: reasonCode });
  ctx.logger.info('payload rejected', { channel: sender.channel, endpoint: sender.endpoint, reason: reasonCode, rejection_id: rejection.rejectionId, fields: errors.map((e) => e.pointer) });
  sendProblem(res, answer);
}

/** Parses and maps, turning parse and validation failures into kept rejections. */
export async function parseAndMap(
  ctx: RouteContext,
  req: Request,
  res: Response,
  sender: Sender,
  requestKey: RequestKey | null,
  map: (payload: unknown) => MappedMessage,
): Promise<MappedMessage | null> {
  const body = rawBody(req);
  let payload: unknown;
  try {
    payload = parseJsonBody(body);
    return map(payload);
  } catch (error) {
    if (error instanceof MalformedJsonError || error instanceof PayloadInvalidError) {
      await rejectPayload(ctx, req, res, sender, body, requestKey, error, readExternalId(payload) ?? requestKey?.key ?? null);
      return null;
    }
    throw error;
  }
}

function readExternalId(payload: unknown): string | null {
  const id = (payload as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

export function countResult(ctx: RouteContext, channel: string, message: MappedMessage, result: MessageResult): void {
  result.statuses.forEach((status, index) => {
    if (status === 'accepted') ctx.metrics.accepted.inc({ channel, event_type: message.facts[index]!.eventType });
    else if (status === 'duplicate') ctx.metrics.duplicates.inc({ channel });
    else if (status === 'conflict') ctx.metrics.conflicts.inc({ channel });
    else if (status === 'parked') ctx.metrics.parked.inc({ channel });
  });
}

/** Records a mapped webhook message; duplicates and conflicts answer the original result. */
export async function acceptWebhook(ctx: RouteContext, res: Response, sender: Sender, requestKey: RequestKey | null, message: MappedMessage): Promise<void> {
  const outcome = await ctx.store.ingest({ requestKey, correlationId: correlationIdOf(res), message, onFactConflict: 'record' });
  if ('replay' in outcome) {
    ctx.metrics.duplicates.inc({ channel: sender.channel });
    sendStored(res, outcome.replay.status, outcome.replay.body);
    return;
  }
  if ('refused' in outcome) throw new Error('invariant: webhook facts are recorded as conflicts, never refused');
  countResult(ctx, sender.channel, message, outcome.result);
  const level = outcome.result.statuses.includes('conflict') ? 'warn' : 'info';
  ctx.logger.log(level, 'webhook ingested', {
    channel: sender.channel,
    order_id: message.orderId,
    facts: outcome.result.statuses.join(','),
    emitted: outcome.result.emitted,
  });
  res.status(outcome.status).json(outcome.responseBody);
}
