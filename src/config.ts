/** Everything the snippet can be told, from its script tag or `window.depictConfig`. */
export interface Config {
  tenant: string;
  market: string;
  apiKey: string;
  /** Where batches go. */
  endpoint: string;
  debug: boolean;
  /** `pending`: memory only and nothing sent until `depict.consent(true)`. */
  consent: string;
  /** The auto-captured event types that are on. */
  capture: string[];
  /** Minutes without an event after which a new session starts. */
  sessionMinutes: number;
  /** Hours a clicked result id is remembered for a later add to cart or purchase. */
  attributionHours: number;
  /** Query parameters removed from every URL sent (lower case). */
  stripParams: string[];
  /** Browser privacy signals that stop the snippet: `gpc` (Global Privacy Control, the
   * default) and `dnt` (Do Not Track); `none` honours neither. */
  privacySignals: string[];
  /** Milliseconds an event may wait for others to share its request. */
  batchMs: number;
}

/** Every optional setting's default; its type says how a given value is read. */
export const DEFAULTS = {
  endpoint: 'https://api.depict.ai/create-events',
  consent: 'granted',
  debug: false,
  // in EVENT_TYPES' order (less ws_click), which the snippet also holds: compresses better
  capture: ['page_view', 'click', 'add_to_cart', 'purchase', 'element_visible', 'recommendations_inserted'] as string[],
  sessionMinutes: 30,
  attributionHours: 24,
  // matched as whole names or as words of one (`customer[email]`, `reset_password_token`,
  // `resetToken`); `key` is WooCommerce's and Shopify's order page access key
  stripParams: ['email', 'mail', 'token', 'key', 'auth', 'password', 'pwd', 'secret', 'code', 'phone', 'tel'] as string[],
  privacySignals: ['gpc'] as string[],
  batchMs: 500,
};

/**
 * Reads the config from the script tag's dataset (`data-api-key` is `apiKey`, `raw`) with
 * `window.depictConfig` (same names, `over`) laid over it: the object wins, so a tag manager or a
 * test can override a tag that is hard-coded in a theme. Lists may be arrays or strings
 * separated by spaces or commas; null and undefined mean "not given". Returns the config,
 * or the names of the missing settings.
 */
export function parseConfig(raw?: Record<string, unknown>, over?: Record<string, unknown>): Config | string[] {
  const c: Record<string, unknown> = { ...raw };
  // a null or undefined in the object does not undo the tag (`consent: cmp.state` before the
  // consent tool has loaded must leave data-consent="pending" in force)
  // (for-in over undefined or null: no iteration)
  for (const k in over) c[k] = over[k] ?? c[k];
  const missing = ['tenant', 'market', 'apiKey'].filter((k) => !c[k]);
  if (missing.length) return missing.map((k) => 'data-' + k.replace('K', '-k'));
  // each setting is read by the type of its default (exclusive tests, in the order that
  // compresses best): a string as it is, a number (digits and a dot only: `+''`,
  // `+' '` and `+[]` are 0, and Infinity would never end a session), a switch (off for false,
  // 0, off and no; a bare `data-debug` is '', on), or a list (an array, or names separated
  // by spaces or commas)
  for (const k in DEFAULTS) {
    const d = DEFAULTS[k as keyof typeof DEFAULTS];
    const v = c[k] ?? d;
    c[k] =
      typeof d == 'string'
        ? v
        : typeof d == 'number'
          ? /^\s*[\d.]+\s*$/.test(v as string) && +v! >= 0
            ? +v!
            : d
          : typeof d == 'boolean'
            ? !/^(false|0|off|no)$/i.test('' + v)
            : ('' + v).toLowerCase().split(/[\s,]+/).filter(Boolean);
  }
  return c as unknown as Config;
}

/** The URL a batch is POSTed to: the key goes in the query, since sendBeacon sets no headers.
 * A blank endpoint (a theme setting printed empty: `data-endpoint=""`) is the default one, not
 * the page's own URL, where the events and the key would go. */
export const sendUrl = (c: Config, e = c.endpoint || DEFAULTS.endpoint) => e + (e.includes('?') ? '&' : '?') + 'api_key=' + encodeURIComponent(c.apiKey);

/** A URL without what identifies a shopper or opens their account: the parameters listed in
 * `strip` (a name, or a word of the name, in any case) and those whose value is an e-mail
 * address, in the query and in a fragment made of parameters (OAuth's implicit flow puts
 * `access_token` there); and tokens, wherever they are (each becomes `redacted`). */
export function stripUrl(url: string, strip: string[]): string {
  try {
    // most URLs carry no listed name, no escape and no @: not parsed then (a parse costs
    // ~10 µs warm, ~0.5 ms cold at start-up); an escaped name is parsed, and decoded
    if ([...strip, '%', '@'].some((k) => url.toLowerCase().includes(k))) {
      const u = new URL(url, location.href);
      let changed = 0;
      const clean = (q: string) => {
        const p = new URLSearchParams(q);
        [...p].forEach(
          ([k, v]) =>
            ([k, ...k.split(/[^a-zA-Z\d]+|(?=[A-Z][a-z])/)].some((w) => strip.includes(w.toLowerCase())) ||
              /[^@\s](@|%40)[^@\s]+\.[a-z]/i.test(k + ' ' + v)) &&
            (p.delete(k), changed++),
        );
        return '' + p;
      };
      u.search = clean(u.search);
      // a fragment of parameters (#a=1&b=2), or a client-side route with a query (#/r?a=1)
      const [, route, query] = /^#?([^?]*\?)?(.*=.*)?$/.exec(u.hash) || [];
      if (query) u.hash = (route || '') + clean(query);
      if (changed) url = u.href;
    }
    // a run of 32 or more letters and digits, digits among them: a token (Shopify's order status
    // page `/orders/<token>`, a password reset link, an ad click id), not a word, a product
    // handle or an id (a MongoDB ObjectId has 24, a ULID 26). An escape (`%2F`) is matched
    // first, to be passed over whole: the run after it is the token
    url = url.replace(/%[\da-f]{2}|(?=[a-z]*\d)[a-z\d]{32,}/gi, (m) => (m[3] ? 'redacted' : m));
  } catch {}
  // (what is no string, or no URL, as it is: the schema judges it)
  return url;
}
