import { canonicalCustomerId } from '../src/customers';

describe('canonical customer id', () => {
  it('is the same for one e-mail on every channel, whatever its case and spaces', () => {
    const shopify = canonicalCustomerId('shopify', 'a.myshopify.com', { email: 'Jane.Doe@Example.com', channelCustomerId: '42' });
    const woo = canonicalCustomerId('woocommerce', 'https://shop.example', { email: ' jane.doe@example.com ', channelCustomerId: '7' });
    const pos = canonicalCustomerId('pos', 'estate-1', { email: 'JANE.DOE@EXAMPLE.COM', loyaltyMemberId: 'LM-1' });
    expect(shopify).not.toBeNull();
    expect(new Set([shopify, woo, pos]).size).toBe(1);
    expect(canonicalCustomerId('shopify', 'a.myshopify.com', { email: 'john@example.com' })).not.toBe(shopify);
  });

  it("falls back to the channel's customer id within its instance, then to the loyalty membership, else null", () => {
    const a = canonicalCustomerId('shopify', 'a.myshopify.com', { channelCustomerId: '42' });
    expect(a).toBe(canonicalCustomerId('shopify', 'a.myshopify.com', { email: '  ', channelCustomerId: '42' }));
    expect(a).not.toBe(canonicalCustomerId('shopify', 'b.myshopify.com', { channelCustomerId: '42' }));
    expect(canonicalCustomerId('pos', 'e', { loyaltyMemberId: 'LM-9' })).toBe(canonicalCustomerId('pos', 'other', { loyaltyMemberId: 'LM-9' }));
    expect(canonicalCustomerId('pos', 'e', {})).toBeNull();
  });
});
