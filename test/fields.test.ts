// @vitest-environment happy-dom
// clean (values from the page → event fields) and fieldsOf (an element's annotations)
// from src/fields.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_VALUE, PRODUCT, clean, fieldsOf } from '../src/fields';
import { problems } from '../src/schema';

const fields = (x: unknown) => {
  const c = clean(x);
  if (!c) throw new Error('clean returned undefined');
  return c;
};

describe('clean: values', () => {
  it('keeps strings as they are', () => {
    expect(fields({ user_id: 'u-1', url: 'https://x/' })).toEqual([{ user_id: 'u-1', url: 'https://x/' }, [], []]);
  });

  it('stringifies finite numbers', () => {
    const [f] = fields({ entity_price: 199.5, document_width: 1280, product_id: 0, currency: -1 });
    expect(f).toEqual({ entity_price: '199.5', document_width: '1280', product_id: '0', currency: '-1' });
  });

  it('refuses NaN and ±Infinity (their JSON would be null, which unsets the field)', () => {
    const [f, bad] = fields({ entity_price: NaN, document_width: Infinity, product_id: -Infinity, currency: 'SEK' });
    expect(f).toEqual({ currency: 'SEK' });
    expect(bad).toEqual(['entity_price', 'document_width', 'product_id']);
  });

  it('leaves booleans and objects in string fields alone (the schema flags them)', () => {
    const [f] = fields({ user_id: true, product_id: { a: 1 } });
    expect(f).toEqual({ user_id: true, product_id: { a: 1 } });
  });

  it('splits a comma list into variant_ids, trimmed', () => {
    expect(fields({ variant_ids: 'v1, v2 ,v3' })[0]).toEqual({ variant_ids: ['v1', 'v2', 'v3'] });
    expect(fields({ variant_ids: 'v1' })[0]).toEqual({ variant_ids: ['v1'] });
    // a template's trailing or doubled comma makes no empty id
    expect(fields({ variant_ids: 'v1,, v2,' })[0]).toEqual({ variant_ids: ['v1', 'v2'] });
  });

  it('stringifies numbers in a variant_ids array', () => {
    expect(fields({ variant_ids: [1, 'b', 2.5] })[0]).toEqual({ variant_ids: ['1', 'b', '2.5'] });
  });

  it('parses a JSON string into entity_identifiers', () => {
    expect(fields({ entity_identifiers: '{"sku":"S-1","ean":123}' })[0]).toEqual({
      entity_identifiers: { sku: 'S-1', ean: 123 },
    });
  });

  it('takes an object for entity_identifiers as it is', () => {
    const ids = { sku: 'S-1', nested: { x: [1] } };
    expect(fields({ entity_identifiers: ids })[0]).toEqual({ entity_identifiers: ids });
  });

  it('leaves bad JSON in entity_identifiers as the string, which the schema flags', () => {
    const [f, long, unknown] = fields({ entity_identifiers: '{sku: S-1' });
    expect(f).toEqual({ entity_identifiers: '{sku: S-1' });
    expect(long).toEqual([]);
    expect(unknown).toEqual([]);
    expect(problems([{ tenant: 't', market: 'm', type: 'click', ...f }])).toEqual([
      ['dict_type', ['body', 0, 'entity_identifiers'], '{sku: S-1'],
    ]);
  });

  it('sends an entity_price printed the way shops print it as the plain number, as purchases do; anything else as it is', () => {
    for (const [given, sent] of [
      ['1 299,00', '1299.00'],
      ['1,299.00', '1299.00'],
      ['1.299,00 kr', '1299.00'],
      [499, '499'],
      ['1299.0000', '1299.0000'],
      ['free', 'free'],
      ['-5', '-5'],
      ['1 299:-', '1299'],
      ["CHF 1'299.00", '1299.00'],
      ['€ 12,-', '12'],
      ['Rs. 1,299.00', '1299.00'],
      // other characters between the digits: not a price as printed
      ['4j4j$]', '4j4j$]'],
      ['1x299', '1x299'],
      // more than one number: as printed, not glued into one
      ['$10.00 – $20.00', '$10.00 – $20.00'],
      ['1,299.00 – 1,499.00', '1,299.00 – 1,499.00'],
      ['10.00-20.00', '10.00-20.00'],
      ['2 for 99', '2 for 99'],
      ['Was 1,299.00 now 999.00', 'Was 1,299.00 now 999.00'],
    ])
      expect(clean({ entity_price: given })![0].entity_price).toBe(sent);
  });

  it('skips null, undefined and empty strings', () => {
    expect(fields({ user_id: null, product_id: undefined, url: '', dsid: '', entity_identifiers: null })).toEqual([
      {},
      [],
      [],
    ]);
  });

  it('keeps a single space (only the empty string means "not set")', () => {
    expect(fields({ user_id: ' ' })[0]).toEqual({ user_id: ' ' });
  });

  it('accepts an empty object, null and undefined as "no fields"', () => {
    expect(clean({})).toEqual([{}, [], []]);
    expect(clean(undefined)).toEqual([{}, [], []]);
    expect(clean(null)).toEqual([{}, [], []]);
  });

  it('returns undefined for input that is not an object', () => {
    for (const x of ['str', 42, true, Symbol('s'), () => 1, [], [{ user_id: 'u' }], 0n])
      expect(clean(x)).toBeUndefined();
  });
});

describe('clean: unknown and owned names', () => {
  it('reports tenant, market, type and deduplication_id as unknown (the snippet owns them)', () => {
    const [f, long, unknown] = fields({
      tenant: 'x',
      market: 'y',
      type: 'click',
      deduplication_id: 'd',
      user_id: 'u',
    });
    expect(f).toEqual({ user_id: 'u' });
    expect(long).toEqual([]);
    expect(unknown).toEqual(['tenant', 'market', 'type', 'deduplication_id']);
  });

  it('reports owned names even when their value is null', () => {
    expect(fields({ tenant: null })[2]).toEqual(['tenant']);
  });

  it('reports names that are not fields, and leaves them out', () => {
    const [f, , unknown] = fields({ productId: 'p', price: 1, user_id: 'u', 'data-depict-x': 1 });
    expect(f).toEqual({ user_id: 'u' });
    expect(unknown).toEqual(['productId', 'price', 'data-depict-x']);
  });

  it('does not mistake Object.prototype names for fields', () => {
    const [f, , unknown] = fields({ constructor: 'x', toString: 'y', hasOwnProperty: 'z', valueOf: 1 });
    expect(f).toEqual({});
    expect(unknown).toEqual(['constructor', 'toString', 'hasOwnProperty', 'valueOf']);
  });

  it('an own __proto__ key (from JSON.parse) is unknown and pollutes nothing', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "yes", "user_id": "evil"}, "user_id": "u"}');
    const [f, , unknown] = fields(input);
    expect(unknown).toEqual(['__proto__']);
    expect(f).toEqual({ user_id: 'u' });
    expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((f as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a constructor.prototype payload pollutes nothing', () => {
    const input = JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}');
    const [f, , unknown] = fields(input);
    expect(f).toEqual({});
    expect(unknown).toEqual(['constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads only own properties, not inherited ones', () => {
    const input = Object.create({ user_id: 'inherited' });
    input.product_id = 'p';
    expect(fields(input)[0]).toEqual({ product_id: 'p' });
  });
});

describe('clean: long values', () => {
  it(`keeps a value of exactly MAX_VALUE (${MAX_VALUE}) characters of JSON`, () => {
    const v = 'x'.repeat(MAX_VALUE - 2); // JSON adds the two quotes
    expect(fields({ url: v })).toEqual([{ url: v }, [], []]);
  });

  it('reports a longer value and leaves it out', () => {
    const [f, long, unknown] = fields({ url: 'x'.repeat(MAX_VALUE - 1), user_id: 'u' });
    expect(f).toEqual({ user_id: 'u' });
    expect(long).toEqual(['url']);
    expect(unknown).toEqual([]);
  });

  it('measures a price as given, not as the plain number it would be sent as', () => {
    // (found by test/fuzz.test.ts: '4j$]' repeated was read as 513 digits, and sent)
    const [f, long] = fields({ entity_price: '1 '.repeat(MAX_VALUE / 2 + 50), user_id: 'u' }); // 1,074 digits
    expect(f).toEqual({ user_id: 'u' });
    expect(long).toEqual(['entity_price']);
  });

  it('measures lists and objects as JSON', () => {
    const many = Array.from({ length: 500 }, (_, i) => 'variant-' + i).join(',');
    const [f, long] = fields({ variant_ids: many, entity_identifiers: { blob: 'y'.repeat(MAX_VALUE) }, user_id: 'u' });
    expect(f).toEqual({ user_id: 'u' });
    expect(long).toEqual(['variant_ids', 'entity_identifiers']);
  });

  it('does not report long values of unknown fields as long', () => {
    const [, long, unknown] = fields({ nope: 'x'.repeat(10_000) });
    expect(long).toEqual([]);
    expect(unknown).toEqual(['nope']);
  });
});

describe('clean: values it cannot serialize', () => {
  // BUG (src/fields.ts clean): `JSON.stringify(v).length` throws for a value JSON cannot
  // serialize: a function or a symbol (stringify returns undefined → "Cannot read properties
  // of undefined (reading 'length')"), a BigInt, a circular object. So
  // `depict.track('click', {product_id: getId})` (forgot the call) throws inside emit: index.ts
  // catches it and logs "internal error", instead of the contract's one clear warning.
  it('BUG: a function value does not make clean throw', () => {
    expect(() => clean({ product_id: () => 'p' })).not.toThrow();
  });
  it('BUG: a symbol value does not make clean throw', () => {
    expect(() => clean({ user_id: Symbol('u') })).not.toThrow();
  });
  it('BUG: a BigInt value does not make clean throw', () => {
    expect(() => clean({ entity_price: 10n })).not.toThrow();
  });
  it('BUG: a circular entity_identifiers does not make clean throw', () => {
    const ids: Record<string, unknown> = { sku: 's' };
    ids.self = ids;
    expect(() => clean({ entity_identifiers: ids })).not.toThrow();
  });
});

describe('fieldsOf', () => {
  afterEach(() => {
    document.head.innerHTML = '';
    document.body.innerHTML = '';
  });

  const html = (s: string) => (document.body.innerHTML = s);
  const $ = (sel: string) => document.querySelector(sel)!;
  const meta = (name: string, content: string) => {
    const m = document.createElement('meta');
    m.name = name;
    m.content = content;
    document.head.append(m);
  };

  it('returns nothing for a bare element on a page without meta tags', () => {
    html('<div><span id=t></span></div>');
    expect(fieldsOf($('#t'))).toEqual({});
  });

  it("reads an element's own data-depict-* attributes, dashes to underscores", () => {
    html('<div id=t data-depict-product-id="p1" data-depict-entity-price="10" data-depict-click-location="grid"></div>');
    expect(fieldsOf($('#t'))).toEqual({ product_id: 'p1', entity_price: '10', click_location: 'grid' });
  });

  it('ignores other data-* and non-data attributes', () => {
    html('<div id=t class=c title=x data-product-id="no" data-depictx-y="no" data-depict-user-id="u"></div>');
    expect(fieldsOf($('#t'))).toEqual({ user_id: 'u' });
  });

  it('inherits from ancestors, nearest wins', () => {
    html(`
      <section data-depict-click-location="outer" data-depict-recommendation-type="similar">
        <div data-depict-click-location="middle" data-depict-ab-test-group="b">
          <span id=t data-depict-click-location="inner"></span>
        </div>
      </section>`);
    expect(fieldsOf($('#t'))).toEqual({
      click_location: 'inner',
      ab_test_group: 'b',
      recommendation_type: 'similar',
    });
  });

  it("reads Depict's legacy data-recommendation-id, data-search-result-id and data-product-listing-result-id", () => {
    html(`<div id=a data-recommendation-id="r1"></div>
          <div id=b data-search-result-id="s1"></div>
          <div id=c data-product-listing-result-id="l1"></div>`);
    expect(fieldsOf($('#a'))).toEqual({ recommendation_id: 'r1' });
    expect(fieldsOf($('#b'))).toEqual({ search_result_id: 's1' });
    expect(fieldsOf($('#c'))).toEqual({ product_listing_result_id: 'l1' });
  });

  it('reads legacy result ids from an ancestor', () => {
    html('<div data-recommendation-id="r1" data-depict-product-id="p1"><a><img id=t></a></div>');
    expect(fieldsOf($('#t'))).toEqual({ recommendation_id: 'r1', product_id: 'p1' });
  });

  it('does not take other legacy-looking attributes', () => {
    html('<div id=t data-recommendation-type="x" data-result-id="y" data-search-result-ids="z"></div>');
    expect(fieldsOf($('#t'))).toEqual({});
  });

  it('ignores data-depict-event (an action, not a field)', () => {
    html('<div data-depict-product-id="p1"><button id=t data-depict-event="add_to_cart"></button></div>');
    expect(fieldsOf($('#t'))).toEqual({ product_id: 'p1' });
  });

  it('ignores a depict-event meta tag too', () => {
    meta('depict-event', 'x');
    expect(fieldsOf(null)).toEqual({});
  });

  it("takes the page's <meta name=depict-*> tags as the root's fields", () => {
    meta('depict-product-id', 'page-product');
    meta('depict-entity-price', '99');
    meta('depict-currency', 'SEK');
    meta('other', 'x');
    html('<div><button id=t class=depict-add-to-cart></button></div>');
    expect(fieldsOf($('#t'))).toEqual({ product_id: 'page-product', entity_price: '99', currency: 'SEK' });
    expect(fieldsOf(null)).toEqual({ product_id: 'page-product', entity_price: '99', currency: 'SEK' });
  });

  it('element attributes win over meta tags', () => {
    meta('depict-click-location', 'page');
    meta('depict-user-id', 'u-page');
    html('<div data-depict-click-location="buy-box"><button id=t></button></div>');
    expect(fieldsOf($('#t'))).toEqual({ click_location: 'buy-box', user_id: 'u-page' });
  });

  it('an element with a product id of its own overrides the page product', () => {
    meta('depict-product-id', 'page-product');
    html('<div data-depict-product-id="card-product"><span id=t></span></div>');
    expect(fieldsOf($('#t')).product_id).toBe('card-product');
  });

  it("a card without its own product_id inside a product page does not get the page's product fields", () => {
    meta('depict-product-id', 'page-product');
    meta('depict-variant-ids', 'pv1,pv2');
    meta('depict-entity-identifiers', '{"sku":"PAGE"}');
    meta('depict-entity-price', '500');
    meta('depict-currency', 'SEK');
    html('<div class=reco data-recommendation-id="r9"><a href="/p/9"><img id=t></a></div>');
    expect(fieldsOf($('#t'))).toEqual({ recommendation_id: 'r9', currency: 'SEK' });
  });

  it('does not inherit product fields from an ancestor across a product element', () => {
    html(`
      <main data-depict-product-id="main" data-depict-variant-ids="m1" data-depict-entity-price="100"
            data-depict-entity-identifiers='{"sku":"M"}' data-depict-click-location="pdp">
        <div data-depict-search-result-id="s7">
          <span id=t></span>
        </div>
      </main>`);
    expect(fieldsOf($('#t'))).toEqual({ search_result_id: 's7', click_location: 'pdp' });
  });

  it('takes product fields between the target and its product element', () => {
    html(`
      <section data-depict-entity-price="999">
        <div data-depict-product-id="p1">
          <div data-depict-entity-price="10" data-depict-variant-ids="v1,v2"><button id=t></button></div>
        </div>
      </section>`);
    expect(fieldsOf($('#t'))).toEqual({ product_id: 'p1', entity_price: '10', variant_ids: 'v1,v2' });
  });

  it('the nearest of nested product elements wins', () => {
    html(`
      <div data-depict-product-id="outer" data-depict-recommendation-id="r-outer">
        <div data-depict-product-id="inner"><span id=t></span></div>
      </div>`);
    // result ids are not product-scoped (only product_id, variant_ids, entity_identifiers,
    // entity_price are), so the outer result id is inherited
    expect(fieldsOf($('#t'))).toEqual({ product_id: 'inner', recommendation_id: 'r-outer' });
  });

  it('a product element keeps its own product fields', () => {
    meta('depict-entity-price', '500');
    html('<div id=t data-depict-product-id="p1" data-depict-entity-price="5"></div>');
    expect(fieldsOf($('#t'))).toEqual({ product_id: 'p1', entity_price: '5' });
  });

  it('does not pollute or get confused by Object.prototype names', () => {
    html('<div id=t></div>');
    const t = $('#t');
    t.setAttribute('data-depict-constructor', 'x');
    t.setAttribute('data-depict-__proto__', 'y');
    t.setAttribute('data-depict-user-id', 'u');
    const f = fieldsOf(t);
    expect(f.user_id).toBe('u');
    expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).y).toBeUndefined();
    // whatever fieldsOf returns for them, clean reports them as unknown
    const [clean_] = clean(f)!;
    expect(clean_).toEqual({ user_id: 'u' });
  });

  it('the values are strings; clean turns them into fields', () => {
    html(`<div data-depict-product-id="p1" data-depict-variant-ids="a, b"
               data-depict-entity-identifiers='{"sku":"S"}'><i id=t></i></div>`);
    expect(clean(fieldsOf($('#t')))![0]).toEqual({
      product_id: 'p1',
      variant_ids: ['a', 'b'],
      entity_identifiers: { sku: 'S' },
    });
  });
});

describe('PRODUCT selector', () => {
  afterEach(() => (document.body.innerHTML = ''));
  it('matches product ids and result ids, new and legacy, and nothing else', () => {
    document.body.innerHTML = `
      <i data-depict-product-id=1></i><i data-depict-recommendation-id=1></i><i data-recommendation-id=1></i>
      <i data-depict-search-result-id=1></i><i data-search-result-id=1></i>
      <i data-depict-product-listing-result-id=1></i><i data-product-listing-result-id=1></i>
      <b data-product-id=1></b><b data-depict-variant-ids=1></b><b data-depict-recommendation-type=x></b>`;
    expect(document.querySelectorAll(PRODUCT).length).toBe(7);
    for (const b of document.querySelectorAll('b')) expect(b.matches(PRODUCT)).toBe(false);
  });
});
