import type { OdooLocation } from './odoo-lookups';

/** What the watcher makes of one done stock.move: movements for the projector, or why none. */
export type MoveDecision = { movements: MovementDraft[] } | { skip: string };

/** A StockMovementRecorded without its envelope and without the observed time. */
export interface MovementDraft {
  movementId: string;
  sku: string;
  locationId: string;
  movementType: 'receipt' | 'sale' | 'adjustment' | 'transfer_in' | 'transfer_out' | 'return';
  quantityDelta: number;
  sourceReference: string;
  reason: string | null;
}

export interface DoneMove {
  id: number;
  sku: string | undefined;
  quantity: number;
  from: OdooLocation | undefined;
  to: OdooLocation | undefined;
  /** The move is part of a delivery of a backbone order (reported as ShipmentDispatched instead). */
  backboneDelivery: boolean;
  isInventory: boolean;
  scrapped: boolean;
}

const isStock = (l: OdooLocation): boolean => l.usage === 'internal';

/**
 * Only internal locations hold stock the backbone counts. A side of the move that is internal
 * gains or loses the quantity there; what kind of movement it is follows from the other side
 * (vendor → receipt, customer → sale/return, inventory → adjustment, internal → transfer).
 */
export function classifyMove(move: DoneMove, backboneLocation: (odooName: string) => string): MoveDecision {
  if (move.backboneDelivery) return { skip: 'delivery of a backbone order: reported as ShipmentDispatched' };
  if (!move.from || !move.to) return { skip: 'location not readable in Odoo' };
  if (!isStock(move.from) && !isStock(move.to)) return { skip: `no internal location (${move.from.usage} → ${move.to.usage})` };
  if (!move.sku) return { skip: 'product has no internal reference (default_code)' };
  if (!Number.isInteger(move.quantity)) return { skip: `quantity ${move.quantity} is not a whole number of units` };
  if (move.quantity <= 0) return { skip: 'nothing moved' };
  const ref = `stock.move:${move.id}`;
  const base = { sku: move.sku, sourceReference: ref };
  if (isStock(move.from) && isStock(move.to)) {
    const from = backboneLocation(move.from.name);
    const to = backboneLocation(move.to.name);
    if (from === to) return { skip: `internal move within backbone location ${from}` };
    return {
      movements: [
        { ...base, movementId: `odoo-move-${move.id}-out`, locationId: from, movementType: 'transfer_out', quantityDelta: -move.quantity, reason: null },
        { ...base, movementId: `odoo-move-${move.id}-in`, locationId: to, movementType: 'transfer_in', quantityDelta: move.quantity, reason: null },
      ],
    };
  }
  const incoming = isStock(move.to);
  const stock: OdooLocation = incoming ? move.to : move.from;
  const other = incoming ? move.from : move.to;
  const { type, reason } = kindOf(other, incoming, move);
  return {
    movements: [
      { ...base, movementId: `odoo-move-${move.id}`, locationId: backboneLocation(stock.name), movementType: type, quantityDelta: incoming ? move.quantity : -move.quantity, reason },
    ],
  };
}

function kindOf(other: OdooLocation, incoming: boolean, move: DoneMove): { type: MovementDraft['movementType']; reason: string | null } {
  if (move.scrapped) return { type: 'adjustment', reason: 'scrapped' };
  if (move.isInventory || other.usage === 'inventory') return { type: 'adjustment', reason: incoming ? 'inventory_gain' : 'inventory_loss' };
  if (other.usage === 'supplier') return incoming ? { type: 'receipt', reason: null } : { type: 'adjustment', reason: 'returned_to_vendor' };
  if (other.usage === 'customer') return incoming ? { type: 'return', reason: null } : { type: 'sale', reason: null };
  return { type: 'adjustment', reason: `odoo_${other.usage}` };
}
