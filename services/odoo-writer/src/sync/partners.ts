import type { Address, OrderPlaced } from '@retail-backbone/contracts';
import type { OdooValues } from '@retail-backbone/odoo-client';
import type { Pool } from 'pg';
import type { WriterStore } from '../db/store';
import { BusinessError } from '../odoo/failures';
import type { OdooGateway } from '../odoo/gateway';
import { fingerprint, partnerReference } from '../odoo/references';

interface Known {
  id: number;
  fingerprint: string | null;
}

const MEMORY_LIMIT = 20_000;

function displayName(order: OrderPlaced): string {
  const c = order.customer;
  const name = [c.firstName, c.lastName].filter(Boolean).join(' ').trim();
  return name || order.shippingAddress?.name || order.billingAddress?.name || 'Guest customer';
}

/**
 * Customer partners by a deterministic ref (res.partner.ref), created when missing and updated
 * when the customer's details changed. Known partners are cached in memory and in the writer's
 * table, so a returning customer costs no Odoo call.
 */
export class PartnerResolver {
  private readonly memory = new Map<string, Known>();
  private countries: Map<string, number> | undefined;

  constructor(
    private readonly odoo: OdooGateway,
    private readonly store: WriterStore,
    private readonly pool: Pool,
  ) {}

  /** Partner id per order id, or the BusinessError that prevents using one. */
  async resolve(orders: OrderPlaced[]): Promise<Map<string, number | BusinessError>> {
    const byRef = new Map<string, OrderPlaced>();
    for (const order of orders) byRef.set(partnerReference(order), order);
    const known = new Map<string, Known>();
    const unknownToMemory = [...byRef.keys()].filter((ref) => {
      const hit = this.memory.get(ref);
      if (hit) known.set(ref, hit);
      return !hit;
    });
    for (const [ref, row] of await this.store.partners(this.pool, unknownToMemory)) known.set(ref, row);
    const missing = [...byRef.keys()].filter((ref) => !known.has(ref));
    if (missing.length === 0) return this.upsert(orders, byRef, known, new Map());
    // Customers no replica knows yet: search-then-create under a session advisory lock per ref
    // (no transaction is open during the Odoo calls), so two writers racing on the same new
    // customer create one partner; the second one finds the first one's row once it gets the lock.
    const lock = await this.pool.connect();
    let broken = false;
    try {
      await lock.query(
        `SELECT pg_advisory_lock(h) FROM (SELECT DISTINCT hashtext('odoo-writer:partner:' || r) AS h FROM unnest($1::text[]) AS r ORDER BY 1) locks`,
        [missing],
      );
      // A batch of this process that held the lock before may have created some of them.
      for (const ref of missing) {
        const hit = this.memory.get(ref);
        if (hit) known.set(ref, hit);
      }
      for (const [ref, row] of await this.store.partners(lock, missing.filter((ref) => !known.has(ref)))) known.set(ref, row);
      const stillMissing = missing.filter((ref) => !known.has(ref));
      const failures = await this.search(stillMissing, known);
      return await this.upsert(orders, byRef, known, failures);
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      if (broken) lock.release(true);
      else {
        await lock.query('SELECT pg_advisory_unlock_all()').then(
          () => lock.release(),
          () => lock.release(true),
        );
      }
    }
  }

  /** Looks refs up in Odoo (archived ones too); found ones go into `known`. */
  private async search(missing: string[], known: Map<string, Known>): Promise<Map<string, BusinessError>> {
    const failures = new Map<string, BusinessError>();
    if (missing.length > 0) {
      const rows = await this.odoo.searchRead<{ id: number; ref: string; active: boolean }>('res.partner', [['ref', 'in', missing]], {
        fields: ['ref', 'active'],
        order: 'id asc',
        context: { active_test: false },
      });
      for (const row of rows) {
        if (known.has(row.ref) || failures.has(row.ref)) continue;
        if (row.active) known.set(row.ref, { id: row.id, fingerprint: null });
        else failures.set(row.ref, new BusinessError('partner_archived', `customer partner ${row.id} is archived in Odoo`));
      }
    }
    return failures;
  }

  /** Creates the partners still unknown, updates changed ones and records both locally. */
  private async upsert(
    orders: OrderPlaced[],
    byRef: Map<string, OrderPlaced>,
    known: Map<string, Known>,
    failures: Map<string, BusinessError>,
  ): Promise<Map<string, number | BusinessError>> {
    const values = new Map<string, OdooValues>();
    for (const [ref, order] of byRef) if (!failures.has(ref)) values.set(ref, await this.values(ref, order));

    const toCreate = [...values.keys()].filter((ref) => !known.has(ref));
    const changed: Array<{ ref: string; id: number; fingerprint: string | null }> = [];
    if (toCreate.length > 0) {
      const ids = await this.odoo.create('res.partner', toCreate.map((ref) => values.get(ref)!));
      toCreate.forEach((ref, i) => {
        const entry = { id: ids[i]!, fingerprint: fingerprint(values.get(ref)) };
        known.set(ref, entry);
        // Recorded while the ref's lock is held, so the next batch or replica that waited for it
        // finds the partner here instead of searching Odoo and rewriting it.
        changed.push({ ref, ...entry });
      });
    }
    for (const [ref, vals] of values) {
      const entry = known.get(ref)!;
      const current = fingerprint(vals);
      if (entry.fingerprint !== current) {
        await this.odoo.write('res.partner', [entry.id], vals);
        entry.fingerprint = current;
        changed.push({ ref, id: entry.id, fingerprint: current });
      }
      this.remember(ref, entry);
    }
    await this.store.savePartners(this.pool, changed);

    const result = new Map<string, number | BusinessError>();
    for (const order of orders) {
      const ref = partnerReference(order);
      result.set(order.orderId, failures.get(ref) ?? known.get(ref)!.id);
    }
    return result;
  }

  private remember(ref: string, entry: Known): void {
    if (this.memory.size >= MEMORY_LIMIT) this.memory.delete(this.memory.keys().next().value!);
    this.memory.set(ref, entry);
  }

  private async values(ref: string, order: OrderPlaced): Promise<OdooValues> {
    const c = order.customer;
    const address: Address | null | undefined = order.billingAddress ?? order.shippingAddress;
    const vals: OdooValues = { name: displayName(order), ref, customer_rank: 1 };
    if (c.email) vals.email = c.email;
    if (c.phone) vals.phone = c.phone;
    if (address) {
      vals.street = address.line1;
      if (address.line2) vals.street2 = address.line2;
      vals.city = address.city;
      if (address.postalCode) vals.zip = address.postalCode;
      const country = await this.country(address.countryCode);
      if (country) vals.country_id = country;
    }
    return vals;
  }

  /** res.country ids are loaded once: one call for the life of the process. */
  private async country(code: string): Promise<number | undefined> {
    if (!this.countries) {
      const rows = await this.odoo.searchRead<{ id: number; code: string }>('res.country', [], { fields: ['code'] });
      this.countries = new Map(rows.map((r) => [r.code.toUpperCase(), r.id]));
    }
    return this.countries.get(code.toUpperCase());
  }
}
