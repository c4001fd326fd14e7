-- Up Migration
-- Runs with search_path set to loyalty-sync's schema. Every row here is written in a consumer
-- transaction (with its inbox row) or in an effect's completion transaction; the platform is
-- never called with one open.

-- One row per order seen: what it can earn, who earns it, and how much was taken back so far.
CREATE TABLE loyalty_orders (
  order_id          text PRIMARY KEY,
  channel           text NOT NULL,
  -- Who earns: the customer key (Kafka key of retail.loyalty.v1) and the reference the platform
  -- knows the member by; both null for a guest until identified.
  customer_key      text,
  member_ref        text,
  -- SHA-256 of the normalised email, only for matching a guest's orders once identified.
  email_hash        text,
  currency          text NOT NULL,
  basis             numeric NOT NULL,
  grand_total       numeric NOT NULL,
  lines             jsonb NOT NULL,
  placed_at         timestamptz NOT NULL,
  earn_moment       text NOT NULL CHECK (earn_moment IN ('placement', 'capture', 'shipment')),
  captured          boolean NOT NULL DEFAULT false,
  shipped           boolean NOT NULL DEFAULT false,
  cancelled         boolean NOT NULL DEFAULT false,
  -- Points the order earns in full (null until the earn moment), and taken back so far.
  earned_points     bigint,
  reversed_points   bigint NOT NULL DEFAULT 0,
  -- Share of the order returned, refunded or cancelled so far (0..1): reversals target
  -- round(earned × share) so rounding never drifts and never goes past what was earned.
  reversed_share    numeric NOT NULL DEFAULT 0,
  refunded_amount   numeric NOT NULL DEFAULT 0,
  multiplier        numeric,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loyalty_orders_guests ON loyalty_orders (email_hash, placed_at) WHERE member_ref IS NULL AND email_hash IS NOT NULL;

-- Returns, refunds and cancellations already taken into account, by order and source ('cancel',
-- 'return:<returnId>', 'refund:<refundId>'; a refund that settles a return counts once, under
-- the return).
CREATE TABLE loyalty_reversal_sources (
  order_id    text NOT NULL,
  source_id   text NOT NULL,
  share       numeric NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, source_id)
);

-- Points used as a tender, one row per payment.
CREATE TABLE loyalty_redemptions (
  payment_id   text PRIMARY KEY,
  order_id     text NOT NULL,
  points       bigint NOT NULL,
  value        numeric NOT NULL,
  currency     text NOT NULL,
  state        text NOT NULL CHECK (state IN ('recorded', 'redeemed', 'refused', 'restore-recorded', 'restored')),
  cancel_requested boolean NOT NULL DEFAULT false,
  transaction_id text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loyalty_redemptions_order ON loyalty_redemptions (order_id);

-- Events of an order that arrived before its OrderPlaced (another topic, another partition):
-- applied, in arrival order, right after it.
CREATE TABLE loyalty_deferred (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id    text NOT NULL,
  event_id    text NOT NULL UNIQUE,
  event_type  text NOT NULL,
  value       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loyalty_deferred_order ON loyalty_deferred (order_id, id);

-- Down Migration
DROP TABLE loyalty_deferred;
DROP TABLE loyalty_redemptions;
DROP TABLE loyalty_reversal_sources;
DROP TABLE loyalty_orders;
