import { FIELDS, RESULT_IDS, type DepictEvent } from './schema';

export type Fields = Partial<DepictEvent>;

/** Longest value the snippet sends in one field (as JSON); longer ones are refused, not cut. */
export const MAX_VALUE = 2048;

/**
 * JSON.stringify of each value as it is, not of its toJSON(): Prototype.js before 1.7 (old
 * Magento 1 shops) gives arrays a toJSON that returns a string, which would send a list as
 * a string and store the queue's copies and the attribution memory as strings.
 */
export const json = (v: unknown): string =>
  JSON.stringify(v, function (k) {
    return this[k];
  });

/** A finite number as a string (the API does not coerce); anything else as it is. */
const str = (x: unknown) => (Number.isFinite(x) ? '' + x : x);

/**
 * Turns what a page gave (attribute strings, or `track()` values) into event fields, the
 * way a shop developer would expect: finite numbers become strings (the API does not
 * coerce), a comma list becomes `variant_ids` (numbers in it strings), a JSON string
 * becomes `entity_identifiers`; null, undefined and '' mean "not set". It does not judge
 * the types: the schema's `invalid` does, on the whole event. Returns the fields, the
 * names of values over MAX_VALUE or not serialisable (left out), and the unknown names
 * (left out), or `undefined` when the input is not an object.
 */
export function clean(input: unknown): [Fields, string[], string[]] | undefined {
  if (input != null && (typeof input != 'object' || Array.isArray(input))) return;
  const out: Record<string, unknown> = {};
  const bad: string[] = [];
  const unknown: string[] = [];
  for (let [name, v] of Object.entries(input || {})) {
    // looked up by name in FIELDS: an own `__proto__` or `constructor` is no field
    const i = FIELDS.findIndex((f) => f[0] == name);
    // the snippet owns the first four: tenant, market, type, deduplication_id
    if (i < 4) unknown.push(name);
    else if (v != null && v !== '') {
      const kind = FIELDS[i][1];
      if (typeof v == 'string') {
        if (kind == 3) v = v.split(',').map((s) => s.trim()).filter(Boolean);
        if (kind == 4)
          try {
            v = JSON.parse(v);
          } catch {}
      }
      let t: string | undefined;
      try {
        t = json(Array.isArray(v) ? v.map(str) : str(v));
      } catch {}
      // too long as given, or not data at all (a function, a BigInt, a cycle, NaN); else the
      // value as it will be sent (a Date becomes its string, a hole null), for the schema to
      // judge; a price as a theme prints it ("1 299,00") as the plain number, as purchases are
      if (!(t?.length! <= MAX_VALUE) || t == 'null') bad.push(name);
      else out[name] = name == 'entity_price' && PLAIN.test(price(v)) ? price(v) : JSON.parse(t!);
    }
  }
  return [out, bad, unknown];
}

/** Depict's result ids as attribute names (`recommendation-id`, ...), with or without `depict-`. */
const RESULT_ATTRS = RESULT_IDS.map((k) => k.replace(/_/g, '-'));

/** A string, or a finite number as a string; '' for anything else. */
export const text = (v: unknown) => (Number.isFinite(v) ? '' + v : typeof v == 'string' ? v : '');
export const PLAIN = /^\d+(\.\d+)?$/;
/** A price as a plain number: as it is when it is one ("1299.00", 499, "1299.0000"), else read
 * as shops print it ("1,299.00", "1 299,00 kr", "1.299,00", "CHF 1'299.00", "1 299:-", "€ 12,-"):
 * a currency before or after the number, a comma or point before the last one or two digits is
 * the decimal point, the others group thousands. What holds more than one number ("199 – 299
 * kr", "2 for 99") or anything else between its digits ("4j4") stays as it is, as does a
 * negative price: none is a plain number then. */
export const price = (v: unknown, s = text(v), t = s.replace(/^[^\d-]+|\D+$/g, '')) =>
  PLAIN.test(s) || !/^-?\d[\d.,'\s]*$/.test(t) || /\D\D/.test(t)
    ? s
    : t.replace(/[\s']/g, '').replace(/[.,](?=.*[.,]|\d{3}$)/g, '').replace(',', '.');

/** What marks a product element: a product id or one of Depict's result ids, new or legacy. */
export const PRODUCT = '[data-depict-product-id]' + RESULT_ATTRS.map((a) => `,[data-depict-${a}],[data-${a}]`).join('');

/** Fields that describe one product: a product element's ancestors (and the page's meta
 * tags) may describe another product, so these are not inherited across a product element. */
const PRODUCT_FIELDS = ['product_id', 'variant_ids', 'entity_identifiers', 'entity_price'];

/**
 * The raw fields of an element: its own `data-depict-*` attributes (and Depict's legacy
 * `data-recommendation-id` & co.), then its ancestors', nearest first, then the page's
 * `<meta name="depict-*">` tags, as if on the root. Values are strings; pass them to `clean`.
 */
export function fieldsOf(el: Element | null): Record<string, string> {
  const out: Record<string, string> = {};
  let inProduct = false;
  const add = (name: string, value: string) => {
    name = name.replace(/-/g, '_');
    // `??=`: the nearest wins, and inherited names (`constructor`, `__proto__`) are never set
    if (name && !(inProduct && PRODUCT_FIELDS.includes(name))) out[name] ??= value;
  };
  for (; el; el = el.parentElement) {
    for (const a of el.attributes) {
      const [, depict, rest] = /^data-(depict-)?(.+)/.exec(a.name) || [];
      if (depict || RESULT_ATTRS.includes(rest)) add(rest, a.value);
    }
    inProduct ||= el.matches(PRODUCT);
  }
  // the document's live list of meta tags, which the browser keeps up to date: not a query
  // over every element of the page for every event (a burst of impressions on a big page)
  for (const m of document.getElementsByTagName('meta')) if (m.name.startsWith('depict-')) add(m.name.slice(7), m.content);
  // `data-depict-event` names an action, not a field
  delete out.event;
  return out;
}
