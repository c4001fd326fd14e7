-- Up Migration
-- Runs with search_path set to the writer's schema, after the outside_effects migration set.

-- The writer now records every Odoo write as an outside effect; events still parked by the
-- earlier version become effects, due now, with the keys the consumer would give them (so a
-- later redelivery records nothing new). A follow-up waits for its order's placement unless
-- the order is already in Odoo.
INSERT INTO outside_effects (effect_key, kind, aggregate_key, waits_for, payload, cause)
SELECT k.effect_key, k.kind, p.order_id,
       CASE WHEN p.event_type = 'OrderPlaced' OR o.odoo_order_id IS NOT NULL THEN NULL ELSE 'odoo-writer:place:' || p.order_id END,
       CASE WHEN p.event_type = 'OrderPlaced' THEN jsonb_build_object('order', p.payload)
            ELSE jsonb_build_object('eventType', p.event_type, 'event', p.payload) END,
       jsonb_build_object('eventId', p.event_id, 'correlationId', p.payload #>> '{envelope,correlationId}')
FROM parked p
LEFT JOIN orders o ON o.order_id = p.order_id
CROSS JOIN LATERAL (SELECT CASE p.event_type
    WHEN 'OrderPlaced' THEN 'odoo-writer:place:' || p.order_id
    WHEN 'OrderCancelled' THEN 'odoo-writer:cancel:' || p.order_id
    WHEN 'ReturnReceived' THEN 'odoo-writer:return:' || p.order_id || ':' || (p.payload ->> 'returnId')
    ELSE 'odoo-writer:ship:' || p.order_id || ':' || (p.payload ->> 'shipmentId') END AS effect_key,
  CASE WHEN p.event_type = 'OrderPlaced' THEN 'odoo.sale_order.place' ELSE 'odoo.order.follow_up' END AS kind) k
WHERE p.status = 'parked'
ORDER BY p.id
ON CONFLICT (effect_key) DO NOTHING;

UPDATE parked SET status = 'superseded', resolved_at = now(), updated_at = now() WHERE status = 'parked';

COMMENT ON TABLE parked IS 'Written by writers before outside effects; open rows were moved to outside_effects.';

-- Down Migration
SELECT 1;
