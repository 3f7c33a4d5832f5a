import { RESULT_IDS } from './schema';
import type { Fields } from './fields';
import { read, write } from './storage';

/** The kind of each result id, as `attribution_id` names it. */
const KINDS = ['recommendation', 'search', 'product_listing'];
/** Products remembered at most; the oldest clicks go first. */
export const MAX_PRODUCTS = 50;

type Memory = Record<string, [number, Fields]>;

/** The remembered clicks; entries of any other shape (another script's, an older
 * version's) are left out. */
const load = (): Memory => {
  try {
    const m = JSON.parse(read('depict_attr')!);
    for (const k in m) if (!(Array.isArray(m[k]) && m[k][0] > 0 && m[k][1])) delete m[k];
    return m && typeof m == 'object' ? m : {};
  } catch {
    return {};
  }
};

/**
 * Remembers, per product, the result ids of a clicked product element, in storage all the
 * site's tabs share (so a product opened in a new tab is attributed too). The newest click
 * of a product wins; entries older than `hours` are dropped, and at most MAX_PRODUCTS kept.
 */
export function remember(f: Fields, hours: number, now = Date.now()): void {
  const ids: Fields = {};
  RESULT_IDS.forEach((k) => f[k] && (ids[k] = f[k]));
  if (!f.product_id || !Object.keys(ids).length) return;
  const m = load();
  m[f.product_id] = [now, ids];
  const keep = Object.entries(m)
    .filter(([, [t]]) => now - t < hours * 36e5)
    .sort((a, b) => b[1][0] - a[1][0])
    .slice(0, MAX_PRODUCTS);
  write('depict_attr', JSON.stringify(Object.fromEntries(keep)));
}

/**
 * Adds attribution to an add_to_cart or purchase: the remembered result ids of its product
 * when it has none of its own, and `attribution_id` naming the kind of result that led here.
 */
export function attribute(f: Fields, hours: number, now = Date.now()): Fields {
  if (!RESULT_IDS.some((k) => f[k]) && f.product_id) {
    const hit = load()[f.product_id];
    if (hit && now - hit[0] < hours * 36e5) f = { ...hit[1], ...f };
  }
  const i = RESULT_IDS.findIndex((k) => f[k]);
  if (i >= 0 && !f.attribution_id) f.attribution_id = KINDS[i];
  return f;
}
