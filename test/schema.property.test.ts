// `validate` against an oracle written independently from the contract's tables: random
// batches, valid or with planted breakages, must give the same issues (loc, type, msg, in
// the same order) from both.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invalid, problems, validate } from '../src/schema';

// ---- The oracle: the contract's field table, spelled out, checked one rule at a time ----

type Rule = 'required string' | 'event type' | 'string or null' | 'nonempty string or null' | 'strings or null' | 'object';

const TYPES = ['page_view', 'click', 'add_to_cart', 'purchase', 'element_visible', 'ws_click', 'recommendations_inserted'];

const TABLE: [string, Rule][] = [
  ['tenant', 'required string'],
  ['market', 'required string'],
  ['type', 'event type'],
  ['deduplication_id', 'string or null'],
  ['user_id', 'string or null'],
  ['session_id', 'string or null'],
  ['dsid', 'nonempty string or null'],
  ['ab_test_group', 'string or null'],
  ['product_id', 'string or null'],
  ['variant_ids', 'strings or null'],
  ['entity_identifiers', 'object'],
  ['url', 'string or null'],
  ['entity_price', 'string or null'],
  ['currency', 'string or null'],
  ['document_referrer', 'string or null'],
  ['document_width', 'string or null'],
  ['attribution_id', 'string or null'],
  ['recommendation_id', 'string or null'],
  ['search_result_id', 'string or null'],
  ['product_listing_result_id', 'string or null'],
  ['click_location', 'string or null'],
  ['page_url', 'string or null'],
  ['recommendation_type', 'string or null'],
];

const MSG: Record<string, string> = {
  list_type: 'Input should be a valid list',
  model_attributes_type: 'Input should be a valid dictionary or object to extract fields from',
  missing: 'Field required',
  string_type: 'Input should be a valid string',
  enum: `Input should be ${TYPES.slice(0, 6).map((t) => `'${t}'`).join(', ')} or '${TYPES[6]}'`,
  string_too_short: 'String should have at least 1 character',
  dict_type: 'Input should be a valid dictionary',
};

type Found = [loc: string, type: string];

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function oracle(body: unknown): Found[] {
  if (kindOf(body) != 'array') return [['body', 'list_type']];
  const found: Found[] = [];
  (body as unknown[]).forEach((item, i) => {
    if (kindOf(item) != 'object') {
      found.push([`body/${i}`, 'model_attributes_type']);
      return;
    }
    const event = item as Record<string, unknown>;
    for (const [field, rule] of TABLE) {
      const at = `body/${i}/${field}`;
      const present = Object.keys(event).includes(field);
      const v = event[field];
      const k = kindOf(v);
      if (!present) {
        if (rule == 'required string' || rule == 'event type') found.push([at, 'missing']);
        continue;
      }
      switch (rule) {
        case 'required string':
          if (k != 'string') found.push([at, 'string_type']);
          break;
        case 'event type':
          if (!TYPES.some((t) => t === v)) found.push([at, 'enum']);
          break;
        case 'string or null':
          if (k != 'string' && k != 'null') found.push([at, 'string_type']);
          break;
        case 'nonempty string or null':
          if (k != 'string' && k != 'null') found.push([at, 'string_type']);
          else if (v === '') found.push([at, 'string_too_short']);
          break;
        case 'strings or null':
          if (k == 'array') (v as unknown[]).forEach((s, j) => kindOf(s) != 'string' && found.push([`${at}/${j}`, 'string_type']));
          else if (k != 'null') found.push([at, 'list_type']);
          break;
        case 'object':
          if (k != 'object') found.push([at, 'dict_type']);
          break;
      }
    }
  });
  return found;
}

// ---- Generators ----

const str = fc.string({ maxLength: 8 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 8 });
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });

/** A valid event: the required fields, a random subset of the optional ones, maybe unknown ones. */
const validEvent = fc
  .record(
    {
      tenant: str,
      market: str,
      type: fc.constantFrom(...TYPES),
      deduplication_id: nullable(str),
      user_id: nullable(str),
      session_id: nullable(str),
      dsid: nullable(nonEmpty),
      ab_test_group: nullable(str),
      product_id: nullable(str),
      variant_ids: nullable(fc.array(str, { maxLength: 3 })),
      entity_identifiers: fc.dictionary(str, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
      url: nullable(str),
      entity_price: nullable(str),
      currency: nullable(str),
      document_referrer: nullable(str),
      document_width: nullable(str),
      attribution_id: nullable(str),
      recommendation_id: nullable(str),
      search_result_id: nullable(str),
      product_listing_result_id: nullable(str),
      click_location: nullable(str),
      page_url: nullable(str),
      recommendation_type: nullable(str),
    },
    { requiredKeys: ['tenant', 'market', 'type'] },
  )
  .chain((e) =>
    fc.dictionary(fc.constantFrom('extra', 'price', 'Tenant', 'productId'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }).map((unknown) => ({ ...unknown, ...e })),
  );

/** A value of any JSON kind, including the ones each rule is most likely to mishandle. */
const wild = fc.oneof(
  fc.constantFrom('', 'page_view', 'PAGE_VIEW', null, 0, 1.5, true, false, [], {}, ['a'], [1], { sku: 'x' }),
  fc.jsonValue({ maxDepth: 2 }),
);

const FIELD_NAMES = TABLE.map(([f]) => f);

/** A field set to a value (undefined: the field deleted). */
type Breakage = [field: string, value: unknown];

const breakage: fc.Arbitrary<Breakage> = fc.oneof(
  // any field, any value
  fc.tuple(fc.constantFrom(...FIELD_NAMES), wild),
  // any field deleted
  fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.constant(undefined)),
  // the breakages a random value rarely hits
  fc.constantFrom<Breakage>(
    ['dsid', ''],
    ['type', 'pageview'],
    ['type', null],
    ['entity_identifiers', null],
    ['entity_identifiers', []],
    ['variant_ids', 'v-1'],
    ['variant_ids', ['v-1', 2, null]],
    ['tenant', null],
    ['entity_price', 199],
    ['document_width', 1280],
  ),
);

/** A valid event with 1 to 3 planted breakages. */
const brokenEvent = fc.tuple(validEvent, fc.array(breakage, { minLength: 1, maxLength: 3 })).map(([event, breaks]) => {
  const e: Record<string, unknown> = { ...event };
  for (const [field, v] of breaks) {
    if (v === undefined) delete e[field];
    else e[field] = v;
  }
  return e;
});

/** A batch: mostly events, valid or broken, now and then something that is not an event. */
const batch = fc.array(fc.oneof({ weight: 4, arbitrary: brokenEvent }, { weight: 3, arbitrary: validEvent }, { weight: 1, arbitrary: wild }), {
  maxLength: 5,
});

const body = fc.oneof({ weight: 19, arbitrary: batch }, { weight: 1, arbitrary: wild });

// ---- Properties ----

const brief = (issues: ReturnType<typeof validate>): Found[] => issues.map((i) => [i.loc.join('/'), i.type]);

describe('validate (property-based, against an independent oracle)', () => {
  it('accepts every valid batch', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.array(validEvent, { maxLength: 5 }), (events) => {
        runs++;
        expect(validate(events)).toEqual([]);
      }),
      { numRuns: 500 },
    );
    expect(runs).toBe(500);
  });

  it('finds the same issues as the oracle, in the same order, with pydantic wording', () => {
    const NUM_RUNS = 2000;
    let runs = 0;
    let clean = 0;
    let many = 0;
    const seen: Record<string, number> = {};
    fc.assert(
      fc.property(body, (b) => {
        runs++;
        const issues = validate(b);
        expect(brief(issues)).toEqual(oracle(b));
        for (const issue of issues) {
          expect(issue.msg).toBe(MSG[issue.type]);
          seen[issue.type] = (seen[issue.type] ?? 0) + 1;
        }
        if (!issues.length) clean++;
        if (issues.length >= 3) many++;
      }),
      { numRuns: NUM_RUNS },
    );
    console.log(`validate vs oracle: ${runs} batches, ${clean} valid, ${many} with 3+ issues; issues by type:`, seen);
    // The generators really did exercise every kind of error, and valid batches too.
    expect(runs).toBe(NUM_RUNS);
    expect(clean).toBeGreaterThan(NUM_RUNS / 20);
    expect(many).toBeGreaterThan(NUM_RUNS / 20);
    for (const type of Object.keys(MSG)) expect(seen[type] ?? 0, type).toBeGreaterThanOrEqual(20);
  });

  it('sets input to the offending value, or to the whole event when a field is missing', () => {
    fc.assert(
      fc.property(fc.array(brokenEvent, { minLength: 1, maxLength: 3 }), (events) => {
        for (const issue of validate(events)) {
          const [, i, field, j] = issue.loc as [string, number, string, number?];
          const event = events[i] as Record<string, unknown>;
          const expected = issue.type == 'missing' ? event : j !== undefined ? (event[field] as unknown[])[j] : event[field];
          expect(issue.input).toBe(expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("invalid() names exactly the fields that problems() finds fault with, in order (the snippet's check)", () => {
    let bad = 0;
    fc.assert(
      fc.property(fc.oneof(brokenEvent, validEvent), (event) => {
        const e = event as Record<string, unknown>;
        const fields = [...new Set(problems([e]).map((p) => p[1][2]))];
        expect(invalid(e)).toEqual(fields);
        if (fields.length) bad++;
      }),
      { numRuns: 2_000 },
    );
    expect(bad).toBeGreaterThan(500);
  });
});
