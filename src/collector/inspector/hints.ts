/**
 * What makes an integration's events useful to Depict, as rules both the live inspector
 * (`/inspector`) and the audit (`npm run audit`) apply: hints for events that lack what
 * Depict needs, and the attribute names a page may use. Built from the schema, so that a
 * field added there is known here too.
 */
import { WIDGET } from '../../capture/dom';
import { PRODUCT } from '../../fields';
import { EVENT_TYPES, FIELDS, RESULT_IDS, type DepictEvent } from '../../schema';

export { EVENT_TYPES, RESULT_IDS };

/** The snippet's own selectors: a product element, a recommendation widget. */
export const SELECTORS = { product: PRODUCT, widget: WIDGET };

/** The attributes that carry each result id on an element: Depict's current name, then its legacy one. */
export const RESULT_ATTRIBUTES: Record<string, string[]> = Object.fromEntries(
  RESULT_IDS.map((f) => [f, [`data-depict-${f.replace(/_/g, '-')}`, `data-${f.replace(/_/g, '-')}`]]),
);

/** One hint: a stable code (for filters and JSON) and a sentence for people. */
export interface Hint {
  code: string;
  message: string;
}

const set = (v: unknown) => typeof v == 'string' && v !== '';

/**
 * What an event lacks to be useful: a click that names no result (Depict cannot tell which
 * of its results was clicked) or no product (what follows cannot be credited to it), an
 * add_to_cart, purchase or element_visible without the product, a purchase without its
 * value. Empty when nothing is missing. Takes anything: events come from untrusted pages.
 */
export function eventHints(e: Partial<Record<keyof DepictEvent, unknown>>): Hint[] {
  const out: Hint[] = [];
  if (typeof e != 'object' || e === null) return out;
  if (e.type == 'click' && !RESULT_IDS.some((k) => set(e[k])))
    out.push({
      code: 'click-without-result-id',
      message: 'click without a result id (recommendation_id, search_result_id or product_listing_result_id): Depict cannot credit the result that was clicked',
    });
  if (e.type == 'click' && RESULT_IDS.some((k) => set(e[k])) && !set(e.product_id))
    out.push({
      code: 'click-without-product-id',
      message: 'click on a result without product_id: the add to cart and purchase that follow cannot be credited to it (give the card data-depict-product-id)',
    });
  if ((e.type == 'add_to_cart' || e.type == 'purchase' || e.type == 'element_visible') && !set(e.product_id))
    out.push({
      code: `${e.type}-without-product-id`,
      message: `${e.type} without product_id: Depict cannot tell which product it was`,
    });
  if (e.type == 'purchase' && !(set(e.entity_price) && set(e.currency)))
    out.push({
      code: 'purchase-without-value',
      message: `purchase without ${[!set(e.entity_price) && 'entity_price', !set(e.currency) && 'currency'].filter(Boolean).join(' and ')}: the sale has no value`,
    });
  return out;
}

/** The fields the snippet fills in itself: a page's `data-depict-*` attribute cannot set them. */
export const OWN_FIELDS = ['tenant', 'market', 'type', 'deduplication_id'];

/**
 * What may follow `data-depict-` in an attribute name (or `depict-` in a meta name): every
 * optional field, dashed (`product-id`), plus `event` (an action, on a button) and
 * `purchase` (a JSON purchase block).
 */
export const ATTRIBUTE_NAMES = [
  ...FIELDS.map(([f]) => f)
    .filter((f) => !OWN_FIELDS.includes(f))
    .map((f) => f.replace(/_/g, '-')),
  'event',
  'purchase',
];

/** Levenshtein distance, for "did you mean". */
export function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * Why `name` (what follows `data-depict-`) is not an attribute the snippet reads, with the
 * likeliest intended name; undefined when it is one.
 */
export function attributeProblem(name: string): string | undefined {
  const n = name.toLowerCase();
  if (ATTRIBUTE_NAMES.includes(n)) return;
  if (OWN_FIELDS.includes(n.replace(/-/g, '_')))
    return `${n.replace(/-/g, '_')} is set by the snippet from its script tag; this attribute is ignored`;
  let best = '';
  let score = Infinity;
  for (const known of ATTRIBUTE_NAMES) {
    const d = distance(n, known);
    if (d < score) [best, score] = [known, d];
  }
  return `not a field, ignored${score <= Math.max(2, n.length / 4) ? `; did you mean data-depict-${best}?` : ''}`;
}
