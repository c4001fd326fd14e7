import Big from 'big.js';
import { EarningRules, parseRules } from '../src/sync/rules';
import { order } from './harness';

jest.mock('@retail-backbone/devstack', () => ({ createTestDatabase: jest.fn(), uniqueName: (p: string) => p }));

const rules = (json: object, region = 'eu-west') => new EarningRules(parseRules(JSON.stringify(json)), region);

describe('earning rules', () => {
  it('earns on the paid amount without tax and shipping, spreading order-level discounts over the lines', () => {
    const r = rules({ rates: [{ currency: 'EUR', pointsPerUnit: '1' }] });
    const o = order('o', 'shopify', 's', {}, [
      { sku: 'A', quantity: 2, unitPrice: '10.00', discount: '2.00', tax: '3.42' },
      { sku: 'B', quantity: 1, unitPrice: '12.00', tax: '2.28' },
    ], { shipping: '4.90' });
    const plain = r.lineBases(o as never).map((l) => l.basis);
    expect(plain).toEqual(['18', '12']);
    // An extra 3.00 off the order (totals.discounts beyond the lines') is shared 18:12.
    const discounted = { ...o, totals: { ...(o.totals as object), discounts: { amount: '5.00', currency: 'EUR' } } };
    expect(r.lineBases(discounted as never).map((l) => l.basis)).toEqual(['16.2', '10.8']);
    // Prices including tax: the tax is taken out.
    const gross = order('o', 'pos', 'e', {}, [{ sku: 'A', quantity: 1, unitPrice: '119.00', tax: '19.00' }], { taxesIncluded: true });
    expect(r.lineBases(gross as never).map((l) => l.basis)).toEqual(['100']);
  });

  it('picks the rate of the currency for the region before the currency’s general one, and none for an unknown currency', () => {
    const json = { rates: [{ currency: 'EUR', pointsPerUnit: '1' }, { currency: 'EUR', region: 'ch', pointsPerUnit: '2' }] };
    expect(rules(json, 'eu-west').points(new Big('10'), 'EUR', new Big(1))).toBe(10);
    expect(rules(json, 'ch').points(new Big('10'), 'EUR', new Big(1))).toBe(20);
    expect(rules(json).points(new Big('10'), 'CHF', new Big(1))).toBeUndefined();
  });

  it('rounds down, to nearest or up as configured', () => {
    const base = { rates: [{ currency: 'EUR', pointsPerUnit: '1' }] };
    expect(rules({ ...base }).points(new Big('10.5'), 'EUR', new Big(1))).toBe(10);
    expect(rules({ ...base, rounding: 'nearest' }).points(new Big('10.5'), 'EUR', new Big(1))).toBe(11);
    expect(rules({ ...base, rounding: 'ceil' }).points(new Big('10.01'), 'EUR', new Big(1))).toBe(11);
  });

  it('applies the highest running promotion for the channel, only within its date range', () => {
    const r = rules({
      rates: [{ currency: 'EUR', pointsPerUnit: '1' }],
      promotions: [
        { id: 'double', multiplier: '2', from: '2026-12-01T00:00:00Z', to: '2026-12-08T00:00:00Z' },
        { id: 'triple-pos', multiplier: '3', from: '2026-12-01T00:00:00Z', to: '2026-12-08T00:00:00Z', channels: ['pos'] },
      ],
    });
    const inside = Date.parse('2026-12-03T10:00:00Z');
    expect(r.multiplier('shopify', inside).toString()).toBe('2');
    expect(r.multiplier('pos', inside).toString()).toBe('3');
    expect(r.multiplier('pos', Date.parse('2026-12-08T00:00:00Z')).toString()).toBe('1');
  });

  it('earns at the moment configured per channel, the default otherwise; knows the redemption methods and the point value', () => {
    const r = rules({ rates: [{ currency: 'EUR', pointsPerUnit: '1' }], earnMoment: { default: 'capture', byChannel: { pos: 'placement', woocommerce: 'shipment' } }, pointValue: { EUR: '0.01' } });
    expect([r.earnMoment('pos'), r.earnMoment('woocommerce'), r.earnMoment('shopify')]).toEqual(['placement', 'shipment', 'capture']);
    expect(r.isRedemption('loyalty_points')).toBe(true);
    expect(r.isRedemption('card')).toBe(false);
    expect(r.redemptionPoints('1.005', 'EUR')).toBe(101);
    expect(r.redemptionPoints('1.00', 'GBP')).toBeUndefined();
  });

  it('refuses rules that do not parse, naming the field', () => {
    expect(() => parseRules(JSON.stringify({ rates: [{ currency: 'eur', pointsPerUnit: '1' }] }))).toThrow(/currency/);
  });
});
