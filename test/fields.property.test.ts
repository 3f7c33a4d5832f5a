// Properties of `clean` (src/fields.ts) over arbitrary input: it never throws, never touches
// Object.prototype, and the event it builds only fails the schema on fields the input gave a
// value of the wrong type. (Values JSON cannot serialize — functions, symbols, BigInt,
// cycles — are left out here; fields.test.ts has them as known bugs.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_VALUE, clean } from '../src/fields';
import { FIELDS, KIND, problems } from '../src/schema';

const NAMES = FIELDS.map(([n]) => n as string);
const SPECIAL = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];

const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 1, arbitrary: fc.string() },
);

const huge = fc
  .tuple(fc.string({ maxLength: 3 }), fc.integer({ min: MAX_VALUE - 10, max: 50_000 }))
  .map(([s, n]) => (s || 'x').repeat(Math.ceil(n / (s.length || 1))));

const jsonText = fc.oneof(
  fc.json(),
  fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify(o)),
  fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{', 'null', '[1,"a"]'),
);

const scalar = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', ' ', ',', 'a,,b', 'null', 'NaN', '__proto__'),
  fc.integer(),
  fc.double(), // NaN, ±Infinity, -0 included
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  jsonText,
  huge,
);

/** An object whose keys are own data properties, `__proto__` included (as JSON.parse makes them). */
const own = (pairs: [string, unknown][]) => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
};

const { value } = fc.letrec<{ value: unknown; obj: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 5 }) },
    { weight: 1, arbitrary: tie('obj') },
  ),
  obj: fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map(own),
}));

const input = fc.array(fc.tuple(key, value), { maxLength: 12 }).map(own);

const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join();

const isStr = (v: unknown) => typeof v == 'string' || (typeof v == 'number' && isFinite(v));
const isObj = (v: unknown) => typeof v == 'object' && v !== null && !Array.isArray(v);

/** Whether `clean` should turn an input value into a value the schema accepts for `kind`. */
function wellTyped(kind: number, v: unknown): boolean {
  if (kind == 3) return typeof v == 'string' || (Array.isArray(v) && v.every(isStr));
  if (kind == 4) {
    if (typeof v != 'string') return isObj(v);
    try {
      return isObj(JSON.parse(v));
    } catch {
      return false;
    }
  }
  return isStr(v);
}

describe('clean: properties', () => {
  it('never throws, never pollutes Object.prototype, and only fields the input set can fail the schema', () => {
    const before = protoKeys();
    fc.assert(
      fc.property(input, (x) => {
        const c = clean(x);
        expect(c).toBeDefined();
        const [f, long, unknown] = c!;
        const keys = Object.keys(x);

        // nothing reached Object.prototype
        expect(protoKeys()).toBe(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf(f)).toBe(Object.prototype);

        // every output name came from the input, and is a field the page may set
        for (const k of Object.keys(f)) {
          expect(keys).toContain(k);
          expect(KIND[k]).toBeDefined();
          expect(['tenant', 'market', 'type', 'deduplication_id']).not.toContain(k);
        }
        for (const k of [...long, ...unknown]) expect(keys).toContain(k);
        for (const k of [...unknown, ...long]) expect(Object.prototype.hasOwnProperty.call(f, k)).toBe(false);
        for (const k of Object.keys(f)) expect(JSON.stringify((f as Record<string, unknown>)[k]).length).toBeLessThanOrEqual(MAX_VALUE);

        // the owned fields cannot be overridden
        const e = { tenant: 't', market: 'm', type: 'click', ...f };
        expect([e.tenant, e.market, e.type]).toEqual(['t', 'm', 'click']);

        // problems only name fields the input set, and only where its value had a wrong type
        for (const [, loc] of problems([e])) {
          expect(loc[0]).toBe('body');
          expect(loc[1]).toBe(0);
          const name = loc[2] as string;
          expect(keys).toContain(name);
          expect(wellTyped(KIND[name]!, x[name])).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('an input of only well-typed values always passes the schema (unless too long)', () => {
    const good = fc.constantFrom(...NAMES.filter((n) => !['tenant', 'market', 'type', 'deduplication_id'].includes(n))).chain((name) => {
      const kind = KIND[name]!;
      const v =
        kind == 3
          ? fc.oneof(fc.array(fc.oneof(fc.string(), fc.integer())), fc.string())
          : kind == 4
            ? fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify(o)))
            : fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
      return fc.tuple(fc.constant(name), v);
    });
    fc.assert(
      fc.property(fc.array(good, { maxLength: 10 }), (pairs) => {
        const x = Object.fromEntries(pairs);
        const [f, , unknown] = clean(x)!;
        expect(unknown).toEqual([]);
        expect(problems([{ tenant: 't', market: 'm', type: 'click', ...f }])).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('non-objects give undefined; null and undefined give no fields', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.array(fc.anything()), fc.bigInt()), (x) => {
        expect(clean(x)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
