import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { jsonBody, rawBodyOf, SimServer } from './sim-server';

export interface HookDelivery {
  eventId: string;
  receivedAt: number;
  body: Record<string, unknown>;
}

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const HOOK_SIGNATURE_HEADER = 'X-Retail-Signature';
/** Header carrying the delivery's idempotency key (the same on every retry of one notification). */
export const HOOK_EVENT_ID_HEADER = 'X-Retail-Event-Id';

/**
 * The retailer's customer-notification service (e-mail/SMS) as a webhook receiver: it refuses
 * a missing, wrong or stale signature (401) and de-duplicates by event id (a repeated delivery
 * is acknowledged, 200, and counted in `duplicates`). `deliveries` holds each accepted one once.
 */
export class NotificationHookSimulator {
  readonly server = new SimServer('customer-hook');
  readonly secret: string;
  readonly deliveries: HookDelivery[] = [];
  duplicates = 0;
  refused = 0;
  toleranceSeconds: number;

  constructor(options: { secret?: string; toleranceSeconds?: number } = {}) {
    this.secret = options.secret ?? 'customer-hook-dev-secret';
    this.toleranceSeconds = options.toleranceSeconds ?? 300;
    this.server.app.post('/hooks/shipments', jsonBody(), (req, res) => this.receive(req, res));
  }

  get url(): string {
    return `${this.server.url}/hooks/shipments`;
  }

  private verify(raw: Buffer, header: string | undefined): boolean {
    if (!header) return false;
    const parts = new Map(header.split(',').map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()] as const));
    const t = parts.get('t');
    const v1 = parts.get('v1');
    if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) return false;
    if (Math.abs(Date.now() / 1000 - Number(t)) > this.toleranceSeconds) return false;
    const expected = createHmac('sha256', this.secret).update(`${t}.`).update(raw).digest();
    return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
  }

  private receive(req: Request, res: Response): void {
    if (!this.verify(rawBodyOf(req), req.get(HOOK_SIGNATURE_HEADER))) {
      this.refused += 1;
      res.status(401).json({ error: 'invalid signature' });
      return;
    }
    const eventId = req.get(HOOK_EVENT_ID_HEADER);
    if (!eventId) {
      res.status(400).json({ error: `${HOOK_EVENT_ID_HEADER} required` });
      return;
    }
    if (this.deliveries.some((d) => d.eventId === eventId)) {
      this.duplicates += 1;
      res.status(200).json({ received: true, duplicate: true });
      return;
    }
    this.deliveries.push({ eventId, receivedAt: Date.now(), body: req.body as Record<string, unknown> });
    if (this.server.droppedAfterApply(req, res)) return;
    res.status(202).json({ received: true });
  }
}
