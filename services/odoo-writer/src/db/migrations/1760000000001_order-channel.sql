-- Up Migration
-- The channel kind of a synced order: its invoicing policy (ODOO_ACCOUNTING.invoicing) decides
-- whether its last shipment invoices it. Null for orders synced before.
ALTER TABLE orders ADD COLUMN channel text;

-- Down Migration
ALTER TABLE orders DROP COLUMN channel;
