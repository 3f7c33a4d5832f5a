/**
 * The snippet as an ES module, for shops that bundle their own JavaScript:
 *
 * ```ts
 * import { init, track } from 'depict-snippet';
 * init({ tenant: 'acme', market: 'se', apiKey: 'KEY' });
 * track('add_to_cart', { product_id: 'p-1001', entity_price: 499 });
 * ```
 *
 * The very tracker of `depict.js` (tracker.ts's `start`, config.ts's `parseConfig`): the same
 * config fields as `window.depictConfig`, the same methods, each safe to call with anything
 * and before `init` — such calls are kept and replayed, in order, when `init` starts the
 * tracker, as the script tag's stub does. Importing it does nothing; on a server (no
 * `window`) every function does nothing.
 *
 * It adds no global unless asked: `init({..., global: true})` also installs `window.depict`
 * (replaying what the two-line stub queued there), for theme code that calls `depict.*`.
 */
import { parseConfig } from './config';
import type { Order } from './purchase';
import { EVENT_TYPES, type DepictEvent, type EventType } from './schema';
import { MARK, start, type Depict as Tracker } from './tracker';

export { EVENT_TYPES };
export type { DepictEvent, EventType, FieldName } from './schema';
export type { Fields } from './fields';
export type { Order } from './purchase';

/** What `init` takes: the fields of `window.depictConfig` (the script tag's `data-*`, camelCase). */
export interface DepictConfig {
  /** Your Depict merchant id. */
  tenant: string;
  /** The market id. */
  market: string;
  /** Your API key, sent as `?api_key=`. */
  apiKey: string;
  /** Where batches go; default `https://api.depict.ai/create-events`. */
  endpoint?: string;
  /** Log every event and every send to the console, as collapsed groups. */
  debug?: boolean;
  /** `pending`: keep events in memory only, store and send nothing, until `consent(true)`;
   * `denied`: keep nothing either (default `granted`). */
  consent?: 'granted' | 'pending' | 'denied';
  /** The automatic captures that are on (default all), space or comma separated, or a list; `''` for none. */
  capture?: string | ('page_view' | 'click' | 'add_to_cart' | 'element_visible' | 'recommendations_inserted' | 'purchase')[];
  /** Minutes without an event after which a new session starts (default 30). */
  sessionMinutes?: number;
  /** Hours a clicked result is remembered for a later add to cart or purchase (default 24). */
  attributionHours?: number;
  /** Query parameters removed from every URL sent (replaces the default list). */
  stripParams?: string | string[];
  /** Browser signals that stop tracking: `gpc` (the default), `dnt`, both, or `none`. */
  privacySignals?: string | ('gpc' | 'dnt' | 'none')[];
  /** How long (ms) an event may wait for others to share its request (default 500). */
  batchMs?: number;
  /** Also install `window.depict` (default false). */
  global?: boolean;
}

/** The fields snippet fills in itself, which `track` and friends do not take. */
type Own = 'tenant' | 'market' | 'type' | 'deduplication_id';

/** A field as a page may give it: numbers become strings, a comma list a list, JSON an object. */
type Loose<T> = T extends string
  ? string | number
  : T extends string[]
    ? (string | number)[] | string
    : T extends Record<string, unknown>
      ? T | string
      : T;

/**
 * The fields `track`, `set` and `page` take: the event's optional fields, with the
 * conversions the snippet does for you (`entity_price: 499`, `variant_ids: 'a,b'`). `null`
 * or `''` leaves a field out; in `set`, `null` unsets it.
 */
export type EventFields = {
  [K in Exclude<keyof DepictEvent, Own>]?: Loose<NonNullable<DepictEvent[K]>> | null;
};

/**
 * `window.depict` (the tag's, or the one `init({ global: true })` installs): the functions
 * of this module, taking what they take (`entity_price: 499`, an `Order`).
 */
export interface Depict {
  track: typeof track;
  set: typeof set;
  page: typeof page;
  purchase: typeof purchase;
  flush: typeof flush;
  consent: typeof consent;
  debug: typeof debug;
}

type Method = keyof Tracker;
type Call = [Method, unknown[], ((v?: unknown) => void)?];

/** Calls kept before `init`, at most; later ones are dropped with a warning. */
const MAX_QUEUED = 1000;

let api: Tracker | undefined;
let started: string | undefined;
let full = false;
/** An `init` was called and started nothing (its config lacked a required field, an unset
 * environment variable, say): a `flush()` no longer waits for an `init` that may never come. */
let failed = false;
const queue: Call[] = [];
const inBrowser = () => typeof window != 'undefined' && typeof document != 'undefined';

function invoke(m: Method, args: unknown[]): unknown {
  try {
    return (api![m] as (...a: unknown[]) => unknown)(...args);
  } catch (e) {
    console.error('[depict] internal error in depict.' + m, e);
  }
}

/** Makes a call now when the tracker runs, else keeps it for `init`. */
function call(m: Method, args: unknown[]): unknown {
  if (api) return invoke(m, args);
  if (!inBrowser()) return;
  if (queue.length >= MAX_QUEUED) {
    if (!full) console.warn(`[depict] init() was not called: more than ${MAX_QUEUED} calls are waiting, later ones are dropped`);
    full = true;
    return;
  }
  if (m != 'flush' || failed) return void queue.push([m, args]);
  return new Promise((resolve) => queue.push([m, args, resolve]));
}

/** The config as JSON with sorted keys, to tell a repeated `init` from a different one. */
function fingerprint(config: unknown): string {
  try {
    return JSON.stringify(config, (_, v) =>
      v && typeof v == 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
    );
  } catch {
    return String(config);
  }
}

type Stub = Partial<Record<Method, unknown>> & { q?: [Method, ArrayLike<unknown>][]; loaded?: true };

/**
 * Starts the tracker, once. A second call with the same config does nothing; with another
 * config it warns, and the first one stays. A config that lacks `tenant`, `market` or
 * `apiKey` is one console error and starts nothing (a later `init` may still start it).
 * Where the `depict.js` script tag already runs on the page (or this module, from another
 * bundle), `init` starts no second tracker: this module's calls go to that one. A tag that
 * loads later (a tag manager's) finds this tracker (under `Symbol.for('depict')` on `window`,
 * no global name) and starts none either: its `window.depict` goes to this one.
 */
export function init(config: DepictConfig): void {
  if (!inBrowser()) return;
  const print = fingerprint(config);
  if (started !== undefined) {
    if (print !== started) console.warn('[depict] init() was called again with another config; the first one stays', config);
    return;
  }
  try {
    const { global, ...fields } = (config && typeof config == 'object' ? config : {}) as DepictConfig;
    const cfg = parseConfig(fields as unknown as Record<string, unknown>);
    if (Array.isArray(cfg)) {
      // parseConfig names the script tag's attributes; init takes their camelCase names
      const names = cfg.map((a) => a.slice(5).replace(/-(\w)/g, (_, c: string) => c.toUpperCase()));
      // the flushes waiting for init are over (each is still replayed, should a later init start)
      failed = true;
      for (const [, , done] of queue) done?.();
      return console.error(`[depict] not started: init() needs ${names.join(', ')}`);
    }
    started = print;
    const w = window as unknown as { depict?: Stub; [MARK]?: Tracker };
    // the tag's tracker, or the one this module started from another bundle of the shop's;
    // not a tag that did not start (its settings missing: one do-nothing function for every
    // method, src/index.ts), which would leave the page tracked by nothing
    const d = w.depict;
    const tag = d?.loaded && d.track != d.set ? (d as unknown as Tracker) : w[MARK];
    if (tag) console.warn('[depict] a tracker already runs on this page (depict.js, or this module in another bundle): init() starts no second one and uses that one');
    const ready = (a: Tracker) => {
      api = a;
      // where a depict.js tag loaded later (a tag manager's) finds it, and starts no second one
      if (!tag) w[MARK] = a;
      let stubbed: Stub['q'] = [];
      if (global && !tag) {
        const stub: Stub = w.depict || {};
        stubbed = stub.q || [];
        for (const m of Object.keys(a) as Method[]) stub[m] = (...args: unknown[]) => call(m, args);
        stub.loaded = true;
        delete stub.q;
        w.depict = stub;
      }
      replay();
      for (const [m, args] of stubbed) call(m, Array.from(args));
    };
    if (tag) ready(tag);
    else start(cfg, ready);
  } catch (e) {
    console.error('[depict] not started', e);
    if (started !== undefined && !api) {
      // the tracker could not start here: calls do nothing rather than pile up
      const nothing = () => Promise.resolve();
      api = { track: nothing, set: nothing, page: nothing, purchase: nothing, flush: nothing, consent: nothing, debug: nothing };
      replay();
    }
  }
}

/** Makes the calls kept before `init`, in order; a kept `flush` resolves with the real one. */
function replay() {
  for (const [m, args, done] of queue.splice(0)) done ? done(invoke(m, args)) : invoke(m, args);
}

/** Sends an event of `type` with `fields` (the common fields are added). */
export function track(...args: [type: EventType, fields?: EventFields]): void {
  call('track', args);
}

/** Fields merged into every later event, e.g. `{ user_id }`; a `null` value unsets one. */
export function set(...args: [fields: EventFields]): void {
  call('set', args);
}

/** A page view, for navigations the snippet cannot see. */
export function page(...args: [fields?: EventFields]): void {
  call('page', args);
}

/** One `purchase` event per line item, counted once however often the page is shown. */
export function purchase(...args: [order: Order]): void {
  call('purchase', args);
}

/**
 * Sends what is queued now, even during a back-off; resolves when that attempt is over
 * (before `init`: once `init` has replayed it; after an `init` that started nothing, at
 * once). Never rejects.
 */
export function flush(): Promise<void> {
  return Promise.resolve(call('flush', [])).then(
    () => {},
    () => {},
  );
}

/** `true`: store and send. `false`: forget everything stored and send nothing more. */
export function consent(...args: [granted: boolean]): void {
  call('consent', args);
}

/** Logs every event and every send to the console (`false` stops). */
export function debug(...args: [on?: boolean]): void {
  call('debug', args);
}
