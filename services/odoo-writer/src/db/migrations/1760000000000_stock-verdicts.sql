-- Up Migration
-- With STOCK_VERDICT=wait an order is placed in Odoo only once the inventory projector's verdict
-- (StockReserved / StockReservationRejected) is known. The two arrive on different topics in any
-- order: whichever comes first is kept here until the other one arrives.
CREATE TABLE stock_verdicts (
  order_id      text PRIMARY KEY,
  -- 'reserved' | 'rejected'; null while only the order is known
  verdict       text CHECK (verdict IN ('reserved', 'rejected')),
  shortages     jsonb,
  -- the held OrderPlaced and its cause (event and correlation ids); null once placed or before it arrives
  held_order    jsonb,
  held_cause    jsonb,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE stock_verdicts;
