import type { Request, Response } from 'express';
import { jsonBody, SimServer } from './sim-server';

export interface WooLineItem {
  id: number;
  sku: string;
  quantity: number;
  name?: string;
}

export interface WooMeta {
  id: number;
  key: string;
  value: unknown;
}

export interface WooNote {
  id: number;
  author: string;
  date_created_gmt: string;
  note: string;
  customer_note: boolean;
}

export interface WooOrderState {
  id: number;
  number: string;
  status: string;
  line_items: WooLineItem[];
  meta_data: WooMeta[];
  notes: WooNote[];
  date_modified_gmt: string;
}

export interface WooCommerceSimulatorOptions {
  consumerKey?: string;
  consumerSecret?: string;
}

/** Order statuses WooCommerce accepts on an update (wc-… without the prefix). */
const STATUSES = new Set(['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'checkout-draft']);

const wooError = (res: Response, status: number, code: string, message: string) => res.status(status).json({ code, message, data: { status } });

/**
 * WooCommerce's REST API (wc/v3) for what fulfilment touches: reading an order, updating its
 * status and meta data (the Shipment Tracking extension keeps its items in the
 * `_wc_shipment_tracking_items` meta), and order notes. Authentication is the API key pair,
 * as HTTP Basic or the consumer_key/consumer_secret query parameters (what WooCommerce accepts
 * over HTTPS; the simulator does not check the transport).
 */
export class WooCommerceSimulator {
  readonly server = new SimServer('woocommerce');
  readonly consumerKey: string;
  readonly consumerSecret: string;
  readonly orders = new Map<number, WooOrderState>();
  private nextId = 900;

  constructor(options: WooCommerceSimulatorOptions = {}) {
    this.consumerKey = options.consumerKey ?? 'ck_dev_simulator';
    this.consumerSecret = options.consumerSecret ?? 'cs_dev_simulator';
    const app = this.server.app;
    const base = '/wp-json/wc/v3/orders/:id';
    app.get(base, (req, res) => this.authed(req, res, (order) => res.json(this.view(order))));
    app.put(base, jsonBody(), (req, res) => this.authed(req, res, (order) => this.update(req, res, order)));
    app.get(`${base}/notes`, (req, res) => this.authed(req, res, (order) => res.json([...order.notes].reverse())));
    app.post(`${base}/notes`, jsonBody(), (req, res) => this.authed(req, res, (order) => this.addNote(req, res, order)));
    app.post('/_sim/orders', jsonBody(), (req, res) => {
      res.status(201).json(this.seedOrder(req.body as { id: number; status?: string; line_items: WooLineItem[] }));
    });
    app.get('/_sim/orders/:id', (req, res) => {
      const order = this.orders.get(Number(req.params.id));
      if (order) res.json(order);
      else res.status(404).json({ error: 'no such order' });
    });
  }

  get url(): string {
    return this.server.url;
  }

  seedOrder(input: { id: number; status?: string; line_items: WooLineItem[] }): WooOrderState {
    const existing = this.orders.get(input.id);
    if (existing) return existing;
    const order: WooOrderState = {
      id: input.id,
      number: String(input.id),
      status: input.status ?? 'processing',
      line_items: input.line_items.map((l) => ({ ...l })),
      meta_data: [],
      notes: [],
      date_modified_gmt: new Date().toISOString().slice(0, 19),
    };
    this.orders.set(order.id, order);
    return order;
  }

  /** The Shipment Tracking items of an order. */
  trackingItems(orderId: number): Array<Record<string, unknown>> {
    const meta = this.orders.get(orderId)?.meta_data.find((m) => m.key === '_wc_shipment_tracking_items');
    return Array.isArray(meta?.value) ? (meta.value as Array<Record<string, unknown>>) : [];
  }

  private authed(req: Request, res: Response, then: (order: WooOrderState) => void): void {
    let key = typeof req.query.consumer_key === 'string' ? req.query.consumer_key : undefined;
    let secret = typeof req.query.consumer_secret === 'string' ? req.query.consumer_secret : undefined;
    const header = req.get('Authorization');
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      key = decoded.slice(0, colon);
      secret = decoded.slice(colon + 1);
    }
    if (!key || !secret) {
      wooError(res, 401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.');
      return;
    }
    if (key !== this.consumerKey || secret !== this.consumerSecret) {
      wooError(res, 401, 'woocommerce_rest_authentication_error', 'Consumer secret is invalid.');
      return;
    }
    const order = this.orders.get(Number(req.params.id));
    if (!order) {
      wooError(res, 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
      return;
    }
    then(order);
  }

  private update(req: Request, res: Response, order: WooOrderState): void {
    const body = (req.body ?? {}) as { status?: unknown; meta_data?: unknown };
    if (body.status !== undefined && (typeof body.status !== 'string' || !STATUSES.has(body.status))) {
      wooError(res, 400, 'rest_invalid_param', 'Invalid parameter(s): status');
      return;
    }
    if (body.meta_data !== undefined && (!Array.isArray(body.meta_data) || body.meta_data.some((m) => typeof m?.key !== 'string'))) {
      wooError(res, 400, 'rest_invalid_param', 'Invalid parameter(s): meta_data');
      return;
    }
    if (typeof body.status === 'string') order.status = body.status;
    for (const m of (body.meta_data ?? []) as Array<{ id?: number; key: string; value: unknown }>) {
      const existing = order.meta_data.find((x) => (m.id !== undefined ? x.id === m.id : x.key === m.key));
      if (existing) existing.value = m.value;
      else order.meta_data.push({ id: this.nextId++, key: m.key, value: m.value });
    }
    order.date_modified_gmt = new Date().toISOString().slice(0, 19);
    if (this.server.droppedAfterApply(req, res)) return;
    res.json(this.view(order));
  }

  private addNote(req: Request, res: Response, order: WooOrderState): void {
    const body = (req.body ?? {}) as { note?: unknown; customer_note?: unknown };
    if (typeof body.note !== 'string' || body.note === '') {
      wooError(res, 400, 'rest_missing_callback_param', 'Missing parameter(s): note');
      return;
    }
    const note: WooNote = { id: this.nextId++, author: 'WooCommerce', date_created_gmt: new Date().toISOString().slice(0, 19), note: body.note, customer_note: body.customer_note === true };
    order.notes.push(note);
    if (this.server.droppedAfterApply(req, res)) return;
    res.status(201).json(note);
  }

  private view(order: WooOrderState) {
    const { notes: _notes, ...rest } = order;
    return rest;
  }
}
