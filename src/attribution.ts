import { RESULT_IDS } from './schema';
import { json, type Fields } from './fields';
import { read, write } from './storage';

/** Products remembered at most; the oldest clicks go first. */
export const MAX_PRODUCTS = 50;

/** Per product id: [time of the click, its result ids]. What storage holds may be anything
 * (another script's key, an older version's format): every use below tolerates that. */
type Memory = Record<string, [number, Fields]>;

/** What was last read or written, and its parsed form: parsed again only when another tab
 * (or script) changed it. */
let raw: string | null | undefined;
let memory: Memory = {};
let saving: 0 | 1 | undefined;
/** The time of the task's last click, which the pruning counts from, its window, and the
 * clicks remembered since the last pruning (the first two are set before any pruning). */
let last: number;
let keepHours: number;
let fresh = 0;

const load = (): Memory => {
  const r = read('depict_attr');
  if (r !== raw) {
    raw = r;
    try {
      // a copy, so that a stored number, string or null becomes an object too
      memory = { ...JSON.parse(r!) };
    } catch {
      memory = {};
    }
  }
  return memory;
};

/**
 * Remembers, per product, the result ids of a clicked product element, in storage all the
 * site's tabs share (so a product opened in a new tab is attributed too). The newest click
 * of a product wins; entries older than `hours` (or of another shape) are dropped, and the
 * newest MAX_PRODUCTS kept.
 */
export function remember(f: Fields, hours: number, now = Date.now()): void {
  if (!f.product_id || !RESULT_IDS.some((k) => f[k])) return;
  const ids: Fields = {};
  for (const k of RESULT_IDS) if (f[k]) ids[k] = f[k];
  load()[f.product_id] = [now, ids];
  last = now;
  keepHours = hours;
  // pruned once per task, however many clicks it had (a loop of track() calls must not sort
  // the memory on every call), and every MAX_PRODUCTS clicks within one (nor let it grow)
  if (++fresh > MAX_PRODUCTS) prune();
  if (!saving) {
    saving = 1;
    queueMicrotask(() => {
      saving = 0;
      prune();
      write('depict_attr', (raw = json(memory)));
    });
  }
}

/** Keeps the newest MAX_PRODUCTS clicks of the last `hours` before the task's last click. */
function prune() {
  fresh = 0;
  memory = Object.fromEntries(
    Object.entries(memory)
      .filter(([, v]) => last - v?.[0] < keepHours * 36e5)
      .sort((a, b) => b[1][0] - a[1][0])
      .slice(0, MAX_PRODUCTS),
  );
}

/**
 * Adds attribution to an add_to_cart or purchase: the remembered result ids of its product
 * when it has none of its own, and `attribution_id` naming the kind of result that led here.
 */
export function attribute(f: Fields, hours: number, now = Date.now()): Fields {
  const hit = f.product_id && load()[f.product_id];
  if (!RESULT_IDS.some((k) => f[k]) && hit && now - hit[0] < hours * 36e5) f = { ...hit[1], ...f };
  const i = RESULT_IDS.findIndex((k) => f[k]);
  // (the kind of each result id, as `attribution_id` names it)
  if (i >= 0) f.attribution_id ||= ['recommendation', 'search', 'product_listing'][i];
  return f;
}
