import { RESULT_IDS } from './schema';
import type { Fields } from './fields';
import { read, write } from './storage';

/** The kind of each result id, as `attribution_id` names it. */
const KINDS = ['recommendation', 'search', 'product_listing'];
/** Products remembered at most; the oldest clicks go first. */
export const MAX_PRODUCTS = 50;

type Memory = Record<string, [number, Fields]>;

/** What was last read or written, and its parsed form: parsed again only when another tab
 * (or script) changed it. */
let raw: string | null | undefined;
let memory: Memory = {};
let saving: 0 | 1 = 0;

/** The remembered clicks; entries of any other shape (another script's, an older
 * version's) are left out. */
const load = (): Memory => {
  const r = read('depict_attr');
  if (r !== raw)
    try {
      raw = r;
      const m = JSON.parse(r!);
      for (const k in m) if (!(Array.isArray(m[k]) && m[k][0] > 0 && m[k][1])) delete m[k];
      memory = m && typeof m == 'object' ? m : {};
    } catch {
      memory = {};
    }
  return memory;
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
  let oldest: string | undefined;
  for (const k in m)
    if (now - m[k][0] >= hours * 36e5) delete m[k];
    else if (!oldest || m[k][0] < m[oldest][0]) oldest = k;
  if (!m[f.product_id] && Object.keys(m).length >= MAX_PRODUCTS) delete m[oldest!];
  m[f.product_id] = [now, ids];
  // written once per task, however many clicks it had
  if (!saving) {
    saving = 1;
    Promise.resolve().then(() => {
      saving = 0;
      write('depict_attr', (raw = JSON.stringify(memory)));
    });
  }
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
