import { buildSchema, execute, parse, validate, type GraphQLSchema, Kind, type OperationDefinitionNode } from 'graphql';
import type { Request, Response } from 'express';
import { jsonBody, SimServer } from './sim-server';

/**
 * The part of Shopify's Admin GraphQL API a fulfilment integration uses, with the shapes of the
 * published reference: an order's fulfillment orders and their line items (remaining
 * quantities), its fulfillments with tracking info, and `fulfillmentCreate`. Types and fields
 * not listed here do not exist in the simulator (a query using them is refused as by Shopify).
 */
const SDL = /* GraphQL */ `
  scalar DateTime
  scalar URL

  type Query {
    order(id: ID!): Order
  }

  type Mutation {
    fulfillmentCreate(fulfillment: FulfillmentInput!, message: String): FulfillmentCreatePayload
  }

  type Order {
    id: ID!
    name: String!
    displayFulfillmentStatus: String!
    fulfillmentOrders(first: Int): FulfillmentOrderConnection!
    fulfillments(first: Int): [Fulfillment!]!
  }

  type FulfillmentOrderConnection {
    nodes: [FulfillmentOrder!]!
  }

  type FulfillmentOrder {
    id: ID!
    status: String!
    lineItems(first: Int): FulfillmentOrderLineItemConnection!
  }

  type FulfillmentOrderLineItemConnection {
    nodes: [FulfillmentOrderLineItem!]!
  }

  type FulfillmentOrderLineItem {
    id: ID!
    sku: String
    totalQuantity: Int!
    remainingQuantity: Int!
    lineItem: LineItem!
  }

  type LineItem {
    id: ID!
    sku: String
    quantity: Int!
  }

  type Fulfillment {
    id: ID!
    status: String!
    createdAt: DateTime!
    trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
    fulfillmentLineItems(first: Int): FulfillmentLineItemConnection!
  }

  type FulfillmentLineItemConnection {
    nodes: [FulfillmentLineItem!]!
  }

  type FulfillmentLineItem {
    id: ID!
    quantity: Int
    lineItem: LineItem!
  }

  type FulfillmentTrackingInfo {
    company: String
    number: String
    url: URL
  }

  type FulfillmentCreatePayload {
    fulfillment: Fulfillment
    userErrors: [UserError!]!
  }

  type UserError {
    field: [String!]
    message: String!
  }

  input FulfillmentInput {
    lineItemsByFulfillmentOrder: [FulfillmentOrderLineItemsInput!]!
    notifyCustomer: Boolean
    trackingInfo: FulfillmentTrackingInput
    originAddress: FulfillmentOriginAddressInput
  }

  input FulfillmentOrderLineItemsInput {
    fulfillmentOrderId: ID!
    fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
  }

  input FulfillmentOrderLineItemInput {
    id: ID!
    quantity: Int!
  }

  input FulfillmentTrackingInput {
    company: String
    number: String
    numbers: [String!]
    url: URL
    urls: [URL!]
  }

  input FulfillmentOriginAddressInput {
    address1: String
    address2: String
    city: String
    countryCode: String!
    provinceCode: String
    zip: String
  }
`;

export interface ShopifyLineItem {
  id: string;
  sku: string;
  quantity: number;
}

export interface ShopifyFulfillment {
  id: string;
  createdAt: string;
  notifyCustomer: boolean;
  tracking: Array<{ company: string | null; number: string | null; url: string | null }>;
  lines: Array<{ id: string; lineItemId: string; quantity: number }>;
}

interface FulfillmentOrderState {
  id: string;
  lines: Array<{ id: string; lineItemId: string; total: number; remaining: number }>;
}

export interface ShopifyOrderState {
  id: string;
  name: string;
  lineItems: ShopifyLineItem[];
  fulfillmentOrders: FulfillmentOrderState[];
  fulfillments: ShopifyFulfillment[];
}

export interface ShopifySimulatorOptions {
  accessToken?: string;
  /** Cost bucket (Shopify's leaky bucket of query cost points). */
  bucketSize?: number;
  restoreRatePerSecond?: number;
  /** Cost of a mutation and of the order query, as the simulator charges them. */
  mutationCost?: number;
  queryCost?: number;
  /** Requests per second above which the API answers 429 with Retry-After (none by default). */
  maxRequestsPerSecond?: number;
}

const API_PATH = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/;
const gid = (type: string, id: string | number) => `gid://shopify/${type}/${id}`;
const gidNumber = (value: string, type: string): string | undefined => {
  const m = new RegExp(`^gid://shopify/${type}/(\\d+)$`).exec(value);
  return m?.[1];
};

/** The Admin GraphQL fulfilment API of one shop, state in memory, inspectable from tests. */
export class ShopifySimulator {
  readonly server = new SimServer('shopify');
  readonly accessToken: string;
  readonly orders = new Map<string, ShopifyOrderState>();
  /** Every fulfillmentCreate that created a fulfillment (duplicates included, for exactly-once checks). */
  readonly created: Array<{ orderId: string; fulfillmentId: string; at: number }> = [];
  private readonly schema: GraphQLSchema;
  private nextId = 5_000_000;
  private bucket: { available: number; at: number };
  private readonly bucketSize: number;
  private readonly restoreRate: number;
  private readonly mutationCost: number;
  private readonly queryCost: number;
  private readonly maxRps: number | undefined;
  private window = { second: 0, count: 0 };
  /** Throttled answers (THROTTLED or 429) given, for the bench and tests. */
  throttled = 0;
  /**
   * Test seam: awaited after fulfillmentCreate applied its change and before it answers, so a
   * test can kill the caller while its call is in flight (the fulfilment exists; no answer came).
   */
  afterFulfillmentCreate: ((orderId: string) => Promise<void> | void) | undefined;

  constructor(options: ShopifySimulatorOptions = {}) {
    this.accessToken = options.accessToken ?? 'shpat_dev_simulator_token';
    this.bucketSize = options.bucketSize ?? 1000;
    this.restoreRate = options.restoreRatePerSecond ?? 50;
    this.mutationCost = options.mutationCost ?? 10;
    this.queryCost = options.queryCost ?? 12;
    this.maxRps = options.maxRequestsPerSecond;
    this.bucket = { available: this.bucketSize, at: Date.now() };
    this.schema = buildSchema(SDL);
    this.server.app.post(/^\/admin\/api\/[^/]+\/graphql\.json$/, jsonBody(), (req, res) => void this.handle(req, res));
    this.server.app.post('/_sim/orders', jsonBody(), (req, res) => {
      res.status(201).json(this.seedOrder(req.body as { id: string; name?: string; lineItems: ShopifyLineItem[] }));
    });
    this.server.app.get('/_sim/orders/:id', (req, res) => {
      const order = this.orders.get(String(req.params.id));
      if (order) res.json(order);
      else res.status(404).json({ error: 'no such order' });
    });
  }

  get url(): string {
    return this.server.url;
  }

  /** The GraphQL endpoint of an API version, as a client configures it. */
  endpoint(version = '2025-10'): string {
    return `${this.url}/admin/api/${version}/graphql.json`;
  }

  /** An order as Shopify holds it once placed: one open fulfillment order with every line. */
  seedOrder(input: { id: string; name?: string; lineItems: ShopifyLineItem[] }): ShopifyOrderState {
    const existing = this.orders.get(input.id);
    if (existing) return existing;
    const order: ShopifyOrderState = {
      id: input.id,
      name: input.name ?? `#${input.id.slice(-4)}`,
      lineItems: input.lineItems.map((l) => ({ ...l })),
      fulfillmentOrders: [{ id: String(this.nextId++), lines: input.lineItems.map((l) => ({ id: String(this.nextId++), lineItemId: l.id, total: l.quantity, remaining: l.quantity })) }],
      fulfillments: [],
    };
    this.orders.set(order.id, order);
    return order;
  }

  /** Units fulfilled per line item id of an order. */
  fulfilledQuantities(orderId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.orders.get(orderId)?.fulfillments ?? []) for (const l of f.lines) out[l.lineItemId] = (out[l.lineItemId] ?? 0) + l.quantity;
    return out;
  }

  private available(): number {
    const now = Date.now();
    this.bucket.available = Math.min(this.bucketSize, this.bucket.available + ((now - this.bucket.at) / 1000) * this.restoreRate);
    this.bucket.at = now;
    return this.bucket.available;
  }

  private throttleStatus() {
    return { maximumAvailable: this.bucketSize, currentlyAvailable: Math.floor(this.available()), restoreRate: this.restoreRate };
  }

  private async handle(req: Request, res: Response): Promise<void> {
    if (!API_PATH.test(req.path)) {
      res.status(404).json({ errors: 'Not Found' });
      return;
    }
    if (req.get('X-Shopify-Access-Token') !== this.accessToken) {
      res.status(401).json({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
      return;
    }
    if (this.maxRps !== undefined) {
      const second = Math.floor(Date.now() / 1000);
      if (this.window.second !== second) this.window = { second, count: 0 };
      if (++this.window.count > this.maxRps) {
        this.throttled += 1;
        res.status(429).set('Retry-After', '1.0').json({ errors: 'Exceeded API rate limit, please try again in a moment.' });
        return;
      }
    }
    const body = req.body as { query?: unknown; variables?: Record<string, unknown> };
    if (typeof body?.query !== 'string') {
      res.status(400).json({ errors: { query: 'Required parameter missing or invalid' } });
      return;
    }
    let document;
    try {
      document = parse(body.query);
    } catch (error) {
      res.json({ errors: [{ message: (error as Error).message, extensions: { code: 'PARSE_ERROR' } }] });
      return;
    }
    const invalid = validate(this.schema, document);
    if (invalid.length > 0) {
      res.json({ errors: invalid.map((e) => ({ message: e.message, locations: e.locations, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) });
      return;
    }
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const isMutation = operation?.operation === 'mutation';
    const cost = isMutation ? this.mutationCost : this.queryCost;
    if (this.available() < cost) {
      this.throttled += 1;
      res.json({
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
        extensions: { cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus: this.throttleStatus() } },
      });
      return;
    }
    this.bucket.available -= cost;
    const result = await execute({ schema: this.schema, document, variableValues: body.variables ?? {}, rootValue: this.resolvers() });
    if (this.server.droppedAfterApply(req, res)) return;
    res.json({ ...result, extensions: { cost: { requestedQueryCost: cost, actualQueryCost: cost, throttleStatus: this.throttleStatus() } } });
  }

  private resolvers() {
    return {
      order: ({ id }: { id: string }) => {
        const n = gidNumber(id, 'Order');
        const order = n ? this.orders.get(n) : undefined;
        return order ? this.orderView(order) : null;
      },
      fulfillmentCreate: async ({ fulfillment }: { fulfillment: FulfillmentInputArg }) => {
        const payload = this.fulfillmentCreate(fulfillment);
        const created = this.created.at(-1);
        if (payload.fulfillment && created && this.afterFulfillmentCreate) await this.afterFulfillmentCreate(created.orderId);
        return payload;
      },
    };
  }

  private orderView(order: ShopifyOrderState) {
    const items = new Map(order.lineItems.map((l) => [l.id, l]));
    const lineItemView = (id: string) => ({ id: gid('LineItem', id), sku: items.get(id)?.sku ?? null, quantity: items.get(id)?.quantity ?? 0 });
    const remaining = order.fulfillmentOrders.reduce((n, fo) => n + fo.lines.reduce((m, l) => m + l.remaining, 0), 0);
    const total = order.lineItems.reduce((n, l) => n + l.quantity, 0);
    return {
      id: gid('Order', order.id),
      name: order.name,
      displayFulfillmentStatus: remaining === 0 ? 'FULFILLED' : remaining === total ? 'UNFULFILLED' : 'PARTIALLY_FULFILLED',
      fulfillmentOrders: () => ({
        nodes: order.fulfillmentOrders.map((fo) => {
          const left = fo.lines.reduce((n, l) => n + l.remaining, 0);
          const all = fo.lines.reduce((n, l) => n + l.total, 0);
          return {
            id: gid('FulfillmentOrder', fo.id),
            status: left === 0 ? 'CLOSED' : left === all ? 'OPEN' : 'IN_PROGRESS',
            lineItems: () => ({
              nodes: fo.lines.map((l) => ({ id: gid('FulfillmentOrderLineItem', l.id), sku: items.get(l.lineItemId)?.sku ?? null, totalQuantity: l.total, remainingQuantity: l.remaining, lineItem: lineItemView(l.lineItemId) })),
            }),
          };
        }),
      }),
      fulfillments: () => order.fulfillments.map((f) => this.fulfillmentView(f, lineItemView)),
    };
  }

  private fulfillmentView(f: ShopifyFulfillment, lineItemView: (id: string) => unknown) {
    return {
      id: gid('Fulfillment', f.id),
      status: 'SUCCESS',
      createdAt: f.createdAt,
      trackingInfo: () => f.tracking,
      fulfillmentLineItems: () => ({ nodes: f.lines.map((l) => ({ id: gid('FulfillmentLineItem', l.id), quantity: l.quantity, lineItem: lineItemView(l.lineItemId) })) }),
    };
  }

  private fulfillmentCreate(input: FulfillmentInputArg) {
    const userErrors: Array<{ field: string[]; message: string }> = [];
    let order: ShopifyOrderState | undefined;
    const picks: Array<{ line: FulfillmentOrderState['lines'][number]; quantity: number }> = [];
    input.lineItemsByFulfillmentOrder.forEach((group, gi) => {
      const foId = gidNumber(group.fulfillmentOrderId, 'FulfillmentOrder');
      const owner = [...this.orders.values()].find((o) => o.fulfillmentOrders.some((fo) => fo.id === foId));
      const fo = owner?.fulfillmentOrders.find((f) => f.id === foId);
      if (!owner || !fo) {
        userErrors.push({ field: ['fulfillment', 'lineItemsByFulfillmentOrder', String(gi), 'fulfillmentOrderId'], message: 'Fulfillment order does not exist.' });
        return;
      }
      if (order && order !== owner) {
        userErrors.push({ field: ['fulfillment', 'lineItemsByFulfillmentOrder', String(gi), 'fulfillmentOrderId'], message: 'Fulfillment orders must belong to the same order.' });
        return;
      }
      order = owner;
      const wanted = group.fulfillmentOrderLineItems ?? fo.lines.filter((l) => l.remaining > 0).map((l) => ({ id: gid('FulfillmentOrderLineItem', l.id), quantity: l.remaining }));
      wanted.forEach((w, li) => {
        const line = fo.lines.find((l) => l.id === gidNumber(w.id, 'FulfillmentOrderLineItem'));
        const field = ['fulfillment', 'lineItemsByFulfillmentOrder', String(gi), 'fulfillmentOrderLineItems', String(li)];
        if (!line) userErrors.push({ field: [...field, 'id'], message: 'Fulfillment order line item does not exist.' });
        else if (!(w.quantity > 0) || w.quantity > line.remaining) userErrors.push({ field: [...field, 'quantity'], message: 'Invalid fulfillment order line item quantity requested.' });
        else picks.push({ line, quantity: w.quantity });
      });
    });
    if (picks.length === 0 && userErrors.length === 0) userErrors.push({ field: ['fulfillment'], message: 'Fulfillment must contain at least one line item.' });
    if (userErrors.length > 0 || !order) return { fulfillment: null, userErrors };
    for (const p of picks) p.line.remaining -= p.quantity;
    const t = input.trackingInfo;
    const numbers = t ? [...(t.number ? [t.number] : []), ...(t.numbers ?? [])] : [];
    const urls = t ? [...(t.url ? [t.url] : []), ...(t.urls ?? [])] : [];
    const created: ShopifyFulfillment = {
      id: String(this.nextId++),
      createdAt: new Date().toISOString(),
      notifyCustomer: input.notifyCustomer ?? false,
      tracking: numbers.map((number, i) => ({ company: t?.company ?? null, number, url: urls[i] ?? null })),
      lines: picks.map((p) => ({ id: String(this.nextId++), lineItemId: p.line.lineItemId, quantity: p.quantity })),
    };
    order.fulfillments.push(created);
    this.created.push({ orderId: order.id, fulfillmentId: created.id, at: Date.now() });
    const items = new Map(order.lineItems.map((l) => [l.id, l]));
    return {
      fulfillment: this.fulfillmentView(created, (id: string) => ({ id: gid('LineItem', id), sku: items.get(id)?.sku ?? null, quantity: items.get(id)?.quantity ?? 0 })),
      userErrors: [],
    };
  }
}

interface FulfillmentInputArg {
  lineItemsByFulfillmentOrder: Array<{ fulfillmentOrderId: string; fulfillmentOrderLineItems?: Array<{ id: string; quantity: number }> | null }>;
  notifyCustomer?: boolean | null;
  trackingInfo?: { company?: string | null; number?: string | null; numbers?: string[] | null; url?: string | null; urls?: string[] | null } | null;
}
