// The contract's error table (shared/spec/contract.md, section 1), row by row, against
// `validate`. Expected values are written out here, not derived from schema.ts.
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, FIELDS, KIND, validate, type Issue } from '../src/schema';

const ENUM_MSG =
  "Input should be 'page_view', 'click', 'add_to_cart', 'purchase', 'element_visible', 'ws_click' or 'recommendations_inserted'";

/** The optional string fields of the contract's field table, in its order. */
const OPTIONAL_STRINGS = [
  'deduplication_id',
  'user_id',
  'session_id',
  'dsid',
  'ab_test_group',
  'product_id',
  'url',
  'entity_price',
  'currency',
  'document_referrer',
  'document_width',
  'attribution_id',
  'recommendation_id',
  'search_result_id',
  'product_listing_result_id',
  'click_location',
  'page_url',
  'recommendation_type',
];

const base = { tenant: 'acme', market: 'se', type: 'page_view' };

const FULL = {
  tenant: 'acme',
  market: 'se',
  type: 'purchase',
  deduplication_id: 'd-1',
  user_id: 'u-1',
  session_id: 's-1',
  dsid: 'x',
  ab_test_group: 'b',
  product_id: 'p-1',
  variant_ids: ['v-1', 'v-2'],
  entity_identifiers: { sku: 'SKU-1', nested: { any: [1, 2] } },
  url: 'https://shop.example/p/1',
  entity_price: '199.00',
  currency: 'SEK',
  document_referrer: 'https://shop.example/',
  document_width: '1280',
  attribution_id: 'recommendation',
  recommendation_id: 'r-1',
  search_result_id: 'sr-1',
  product_listing_result_id: 'pl-1',
  click_location: 'card',
  page_url: 'https://shop.example/p/1',
  recommendation_type: 'similar',
};

/** The issues of one event at index 0, as [loc after "body", 0, ...; type; msg]. */
const issuesOf = (event: unknown) => validate([event]);

describe('validate: what passes', () => {
  it('takes an event with every field set', () => {
    expect(validate([FULL])).toEqual([]);
  });

  it('takes an event with only the required fields, of each type', () => {
    expect(validate(EVENT_TYPES.map((type) => ({ ...base, type })))).toEqual([]);
  });

  it('takes an empty batch', () => {
    expect(validate([])).toEqual([]);
  });

  it('takes null for every optional field but entity_identifiers', () => {
    const nulls = Object.fromEntries([...OPTIONAL_STRINGS, 'variant_ids'].map((f) => [f, null]));
    expect(validate([{ ...base, ...nulls }])).toEqual([]);
  });

  it('ignores unknown fields, whatever their value', () => {
    expect(validate([{ ...base, price: 12, Tenant: null, extra: { a: [] }, __proto__x: 1 }])).toEqual([]);
  });

  it('takes empty strings where no minimum length is set', () => {
    expect(validate([{ ...base, tenant: '', market: '', url: '', variant_ids: [''] }])).toEqual([]);
  });
});

describe('validate: the contract error table', () => {
  it('body is not an array: list_type on ["body"]', () => {
    for (const body of [{}, 'text', 1, true, { 0: base }])
      expect(validate(body)).toEqual([
        { type: 'list_type', loc: ['body'], msg: 'Input should be a valid list', input: body },
      ]);
  });

  it('item is not an object: model_attributes_type on ["body", i]', () => {
    const items = [1, 'x', null, [], true];
    expect(validate([base, ...items])).toEqual(
      items.map((input, k) => ({
        type: 'model_attributes_type',
        loc: ['body', k + 1],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input,
      })),
    );
  });

  it.each(['tenant', 'market', 'type'])('required field absent: missing on %s, the event as input', (f) => {
    const event: Record<string, unknown> = { ...base };
    delete event[f];
    expect(issuesOf(event)).toEqual([{ type: 'missing', loc: ['body', 0, f], msg: 'Field required', input: event }]);
  });

  it.each(['tenant', 'market'])('required string null or not a string: string_type on %s', (f) => {
    for (const v of [null, 1, 1.5, true, [], {}])
      expect(issuesOf({ ...base, [f]: v })).toEqual([
        { type: 'string_type', loc: ['body', 0, f], msg: 'Input should be a valid string', input: v },
      ]);
  });

  it.each(OPTIONAL_STRINGS)('optional string not a string: string_type on %s', (f) => {
    for (const v of [0, 12.5, false, ['a'], { a: 'b' }])
      expect(issuesOf({ ...base, [f]: v })).toEqual([
        { type: 'string_type', loc: ['body', 0, f], msg: 'Input should be a valid string', input: v },
      ]);
  });

  it('numbers are not coerced to strings (entity_price, document_width)', () => {
    expect(issuesOf({ ...base, entity_price: 199, document_width: 1280 }).map((i) => i.loc[2])).toEqual([
      'entity_price',
      'document_width',
    ]);
  });

  it('bad type: enum with the seven values listed', () => {
    for (const v of ['pageview', 'PAGE_VIEW', '', null, 1, ['click']])
      expect(issuesOf({ ...base, type: v })).toEqual([{ type: 'enum', loc: ['body', 0, 'type'], msg: ENUM_MSG, input: v, ctx: { expected: ENUM_MSG.slice('Input should be '.length) } }]);
  });

  it('empty dsid: string_too_short', () => {
    expect(issuesOf({ ...base, dsid: '' })).toEqual([
      { type: 'string_too_short', loc: ['body', 0, 'dsid'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } },
    ]);
  });

  it('variant_ids not a list: list_type', () => {
    for (const v of ['v-1', { 0: 'v-1' }, 3, true])
      expect(issuesOf({ ...base, variant_ids: v })).toEqual([
        { type: 'list_type', loc: ['body', 0, 'variant_ids'], msg: 'Input should be a valid list', input: v },
      ]);
  });

  it('variant_ids items not strings: string_type on ["body", i, "variant_ids", j], each', () => {
    expect(issuesOf({ ...base, variant_ids: ['a', 1, null, 'b', {}] })).toEqual([
      { type: 'string_type', loc: ['body', 0, 'variant_ids', 1], msg: 'Input should be a valid string', input: 1 },
      { type: 'string_type', loc: ['body', 0, 'variant_ids', 2], msg: 'Input should be a valid string', input: null },
      { type: 'string_type', loc: ['body', 0, 'variant_ids', 4], msg: 'Input should be a valid string', input: {} },
    ]);
  });

  it('entity_identifiers not an object (null included): dict_type', () => {
    for (const v of [null, [], 'sku', 1])
      expect(issuesOf({ ...base, entity_identifiers: v })).toEqual([
        { type: 'dict_type', loc: ['body', 0, 'entity_identifiers'], msg: 'Input should be a valid dictionary', input: v },
      ]);
  });
});

describe('validate: several errors', () => {
  it('lists every error of every event, by event then in field order', () => {
    const e0 = { market: 5, type: 'nope', dsid: '', variant_ids: [7], entity_identifiers: [] };
    const e2 = { ...base, url: 1, currency: null };
    const got = validate([e0, 'x', e2, base]);
    const brief = (i: Issue) => [i.loc.join('/'), i.type];
    expect(got.map(brief)).toEqual([
      ['body/0/tenant', 'missing'],
      ['body/0/market', 'string_type'],
      ['body/0/type', 'enum'],
      ['body/0/dsid', 'string_too_short'],
      ['body/0/variant_ids/0', 'string_type'],
      ['body/0/entity_identifiers', 'dict_type'],
      ['body/1', 'model_attributes_type'],
      ['body/2/url', 'string_type'],
    ]);
  });
});

describe('FIELDS and KIND', () => {
  it('list the contract field table, in its order', () => {
    expect(FIELDS.map(([name]) => name)).toEqual([
      'tenant',
      'market',
      'type',
      ...OPTIONAL_STRINGS.slice(0, 6),
      'variant_ids',
      'entity_identifiers',
      ...OPTIONAL_STRINGS.slice(6),
    ]);
  });

  it('KIND knows the fields and nothing inherited', () => {
    expect(KIND.tenant).toBe(1);
    expect(KIND.dsid).toBe(5);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(KIND[name]).toBeUndefined();
  });
});
