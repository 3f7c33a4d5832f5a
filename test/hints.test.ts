// The hints the live inspector and the audit show for events the API accepts but Depict can
// do little with (src/collector/inspector/hints.ts).
import { describe, expect, it } from 'vitest';
import { eventHints } from '../src/collector/inspector/hints';

const codes = (e: unknown) => eventHints(e as never).map((h) => h.code);

describe('eventHints', () => {
  it('a click on a result with its product: none', () => {
    expect(codes({ type: 'click', product_id: 'p1', recommendation_id: 'r1' })).toEqual([]);
  });

  it('a click without a result id: Depict cannot credit the result', () => {
    expect(codes({ type: 'click', product_id: 'p1' })).toEqual(['click-without-result-id']);
  });

  it('a click on a result without product_id: what follows cannot be credited to it', () => {
    expect(codes({ type: 'click', search_result_id: 's1' })).toEqual(['click-without-product-id']);
    expect(codes({ type: 'click', search_result_id: 's1', product_id: '' })).toEqual(['click-without-product-id']);
  });

  it('an add_to_cart, purchase or element_visible without product_id', () => {
    for (const type of ['add_to_cart', 'element_visible']) expect(codes({ type })).toEqual([`${type}-without-product-id`]);
    expect(codes({ type: 'purchase', entity_price: '1', currency: 'SEK' })).toEqual(['purchase-without-product-id']);
  });

  it('a purchase without its value', () => {
    expect(codes({ type: 'purchase', product_id: 'p1', currency: 'SEK' })).toEqual(['purchase-without-value']);
    expect(eventHints({ type: 'purchase', product_id: 'p1' } as never)[0].message).toContain('entity_price and currency');
  });

  it('takes anything (events come from untrusted pages)', () => {
    for (const e of [null, undefined, 'click', 1, [], { type: 'click', recommendation_id: 5 }]) expect(() => eventHints(e as never)).not.toThrow();
  });
});
