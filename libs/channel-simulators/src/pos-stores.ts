import type { Request, Response } from 'express';
import { jsonBody, SimServer } from './sim-server';

export interface StoreNotification {
  id: string;
  storeId: string;
  idempotencyKey: string;
  receivedAt: number;
  body: Record<string, unknown>;
}

/**
 * A POS estate's store-notification endpoint (click-and-collect ready, ship-from-store
 * dispatched): `POST /api/stores/:storeId/notifications` with a bearer token and an
 * Idempotency-Key (a repeated key answers the first notification, 200 instead of 201), and
 * `GET …/notifications?idempotencyKey=` to look one up.
 */
export class PosStoresSimulator {
  readonly server = new SimServer('pos-stores');
  readonly token: string;
  readonly notifications: StoreNotification[] = [];
  private nextId = 1;

  constructor(options: { token?: string } = {}) {
    this.token = options.token ?? 'pos-notify-dev-token';
    const path = '/api/stores/:storeId/notifications';
    this.server.app.post(path, jsonBody(), (req, res) => this.authed(req, res, () => this.receive(req, res)));
    this.server.app.get(path, (req, res) =>
      this.authed(req, res, () => {
        const key = typeof req.query.idempotencyKey === 'string' ? req.query.idempotencyKey : undefined;
        res.json({ notifications: this.notifications.filter((n) => n.storeId === req.params.storeId && (!key || n.idempotencyKey === key)) });
      }),
    );
  }

  get url(): string {
    return this.server.url;
  }

  forStore(storeId: string): StoreNotification[] {
    return this.notifications.filter((n) => n.storeId === storeId);
  }

  private authed(req: Request, res: Response, then: () => void): void {
    if (req.get('Authorization') !== `Bearer ${this.token}`) {
      res.status(401).json({ error: 'unauthenticated' });
      return;
    }
    then();
  }

  private receive(req: Request, res: Response): void {
    const key = req.get('Idempotency-Key');
    const storeId = String(req.params.storeId);
    if (!key) {
      res.status(400).json({ error: 'Idempotency-Key header required' });
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body.type !== 'string' || typeof body.orderId !== 'string') {
      res.status(422).json({ error: 'type and orderId are required' });
      return;
    }
    const seen = this.notifications.find((n) => n.storeId === storeId && n.idempotencyKey === key);
    if (seen) {
      res.status(200).json({ id: seen.id, duplicate: true });
      return;
    }
    const n: StoreNotification = { id: `sn-${this.nextId++}`, storeId, idempotencyKey: key, receivedAt: Date.now(), body };
    this.notifications.push(n);
    if (this.server.droppedAfterApply(req, res)) return;
    res.status(201).json({ id: n.id });
  }
}
