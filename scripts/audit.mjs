#!/usr/bin/env node
// `npm run audit -- <url> [--json] [--wait=2000]`: checks a shop page's Depict integration.
//
// Opens the page in Chromium (Playwright), scrolls it to the bottom (so lazy and infinite
// lists load) and back, waits, then reports the annotated elements and their problems, the
// script tag, whether its endpoint answers, the events the page sent (requests to the
// endpoint, watched, not blocked) and the snippet's `[depict]` console warnings and errors.
// A path to a local .html file is opened as a file:// URL.
//
// Exit status: 0 without errors (warnings are fine), 1 with errors, 2 when the page could
// not be audited (bad arguments, no browser, the page did not load).
import { chromium } from '@playwright/test';
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEFAULT_ENDPOINT = 'https://api.depict.ai/create-events';

const USAGE = `usage: npm run audit -- <url or .html file> [--json] [--wait=ms] [--dry-run]

  --json      print the report as JSON
  --wait=ms   how long to wait after scrolling, for impressions to be sent (default 2000)
  --dry-run   answer the snippet's sends here (200), so that nothing reaches the endpoint
              (without it the page's events are really sent, as a shopper's would be)

Exits 1 when it finds errors, 0 otherwise (warnings included), 2 when it cannot audit.
Chromium: /usr/bin/chromium, or CHROMIUM_PATH.`;

// ---- Arguments ----

const args = process.argv.slice(2);
const json = args.includes('--json');
const dryRun = args.includes('--dry-run');
const waitArg = args.find((a) => a.startsWith('--wait='));
const wait = waitArg ? Number(waitArg.slice(7)) : 2000;
const targets = args.filter((a) => !a.startsWith('--'));
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
if (targets.length != 1 || !(wait >= 0) || args.some((a) => a.startsWith('--') && a != '--json' && a != '--dry-run' && a != waitArg)) {
  console.error(USAGE);
  process.exit(2);
}
const url = /^[a-z][a-z0-9+.-]*:/i.test(targets[0])
  ? targets[0]
  : existsSync(targets[0])
    ? pathToFileURL(resolve(targets[0])).href
    : `http://${targets[0]}`;

/** Why the page could not be audited (not a problem of the page). */
class Cannot extends Error {}

/** Fails the audit itself: exit 2. */
function cannot(msg) {
  if (json) console.log(JSON.stringify({ url, error: msg }, null, 2));
  else console.error(`audit: ${msg}`);
  process.exit(2);
}

/**
 * The integration rules the inspector applies too (src/collector/inspector/hints.ts, built
 * from the event schema), and the snippet's settings with their defaults and parser
 * (src/config.ts), compiled on the fly: one source for all, no build step first.
 */
async function loadRules() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = await esbuild.build({
    stdin: {
      contents:
        "export * from './src/collector/inspector/hints.ts';\nexport { DEFAULTS, parseConfig } from './src/config.ts';\nexport { PLAIN, price } from './src/fields.ts';\n",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
  });
  return import('data:text/javascript;base64,' + Buffer.from(out.outputFiles[0].text).toString('base64'));
}

// ---- In the page ----

/**
 * Runs in the page: the script tag and config, and every annotated element, with the
 * facts the rules need. Nothing here changes the page.
 */
function inspectPage({ selectors, resultAttributes, defaultEndpoint }) {
  const path = (el) => {
    const parts = [];
    for (; el && el.nodeType == 1 && el != document.documentElement; el = el.parentElement) {
      if (el.id && document.querySelectorAll('#' + CSS.escape(el.id)).length == 1) {
        parts.unshift(el.localName + '#' + CSS.escape(el.id));
        break;
      }
      const same = el.parentElement ? [...el.parentElement.children].filter((c) => c.localName == el.localName) : [];
      parts.unshift(el.localName + (same.length > 1 ? `:nth-of-type(${same.indexOf(el) + 1})` : ''));
    }
    return parts.join(' > ');
  };
  const tag = (el) => {
    const open = el.outerHTML.slice(0, el.outerHTML.indexOf('>') + 1);
    return open.length > 200 ? open.slice(0, 197) + '…>' : open;
  };
  const at = (el, extra = {}) => ({ path: path(el), html: tag(el), ...extra });
  const attr = (el, name) => {
    const v = el.getAttribute(name);
    return v == null ? null : v.trim();
  };

  // the script tag: the one loading depict*.js, else one with the snippet's attributes
  const scripts = [...document.querySelectorAll('script[src]')];
  const script =
    scripts.find((s) => /(^|\/)depict[\w.-]*\.js([?#]|$)/i.test(s.getAttribute('src'))) ||
    document.querySelector('script[data-tenant][data-market], script[data-api-key]');
  let config = {};
  try {
    config = window.depictConfig && typeof window.depictConfig == 'object' ? { ...window.depictConfig } : {};
  } catch {}
  const setting = (key, attribute) =>
    config[key] != null && config[key] !== '' ? String(config[key]) : script ? attr(script, 'data-' + attribute) || null : null;
  const endpointSet = setting('endpoint', 'endpoint');
  let endpoint = null;
  try {
    endpoint = new URL(endpointSet || defaultEndpoint, location.href).href;
  } catch {}
  // every setting as given, untrimmed, for the settings check: the tag's data-* attributes
  // (their names, lower case as HTML has them, without data-), and window.depictConfig's keys
  // with their values as the snippet reads them (a list may be an array; anything else that
  // is not a plain value, as the string it turns into)
  const given = {
    tag: script ? [...script.attributes].filter((a) => a.name.startsWith('data-')).map((a) => ({ name: a.name.slice(5), value: a.value })) : [],
    config: Object.keys(config).map((key) => {
      let value = config[key];
      try {
        if (Array.isArray(value)) value = value.map(String);
        else if (value != null && typeof value == 'object') value = String(value);
        else if (typeof value == 'function' || typeof value == 'symbol' || typeof value == 'bigint') value = String(value);
      } catch {
        value = '[object]';
      }
      return { key, value };
    }),
  };
  const snippet = {
    tag: script ? at(script, { src: script.getAttribute('src'), async: script.async || script.defer }) : null,
    fromConfig: Object.keys(config),
    tenant: setting('tenant', 'tenant'),
    market: setting('market', 'market'),
    apiKey: setting('apiKey', 'api-key'),
    consent: setting('consent', 'consent'),
    endpoint,
    endpointSet: !!endpointSet,
    // the snippet (or the ES module with global: true) installed window.depict; it also
    // does so, with methods that do nothing, when its settings are missing
    loaded: !!(window.depict && window.depict.loaded),
  };

  const products = [...document.querySelectorAll(selectors.product)];
  const inWidget = (el) => el.closest(selectors.widget);
  const productFacts = products.map((el) => {
    const results = {};
    for (const [field, names] of Object.entries(resultAttributes))
      for (const n of names) if (attr(el, n)) results[field] ??= attr(el, n);
    const widget = inWidget(el);
    return {
      ...at(el),
      productId: attr(el, 'data-depict-product-id'),
      results,
      // a widget, else the element's parent: a listing's grid
      group: widget ? path(widget) : el.parentElement ? path(el.parentElement) : '',
      groupKind: widget ? 'widget' : 'listing',
    };
  });

  const attributes = [];
  for (const el of document.querySelectorAll('*'))
    for (const a of el.attributes)
      if (a.name.startsWith('data-depict-')) attributes.push(at(el, { name: a.name.slice(12), value: a.value }));
  for (const m of document.querySelectorAll('meta[name^="depict-" i]'))
    attributes.push(at(m, { name: m.name.slice(7), value: m.content, meta: true }));

  const widgets = [...document.querySelectorAll(selectors.widget)].map((el) =>
    at(el, { type: attr(el, 'data-depict-recommendation-type'), products: el.matches(selectors.product) || !!el.querySelector(selectors.product) }),
  );
  const pageProduct = !!document.querySelector('meta[name="depict-product-id" i][content]:not([content=""])');
  const actions = [...document.querySelectorAll('[data-depict-event], .depict-add-to-cart')].map((el) =>
    at(el, { event: attr(el, 'data-depict-event') || 'add_to_cart', product: !!el.closest(selectors.product) || pageProduct }),
  );
  const purchases = [...document.querySelectorAll('script[data-depict-purchase]')].map((el) => at(el, { text: el.textContent }));

  return { title: document.title, snippet, given, products: productFacts, attributes, widgets, actions, purchases };
}

// ---- The rules ----

/** The values of `privacySignals` the snippet knows (src/tracker.ts, start()); `none` names neither signal. */
const PRIVACY_SIGNALS = ['gpc', 'dnt', 'none'];
/** The values of `consent` (src/tracker.ts): anything else is not granted, as if pending,
 * and the snippet warns. */
const CONSENT = ['granted', 'pending', 'denied'];

/** `apiKey` → `api-key`, and back (the browser's dataset names). */
const dashed = (key) => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/** The known name closest to `name`, when close enough to be a typo of it (the bar the
 * data-depict-* name check sets in hints.ts). */
function suggest(rules, name, known) {
  let best;
  let score = Infinity;
  for (const k of known) {
    const d = rules.distance(name, k);
    if (d < score) [best, score] = [k, d];
  }
  return score <= Math.max(2, name.length / 4) ? best : undefined;
}

/**
 * The script tag's data-* settings and window.depictConfig's, against what src/config.ts
 * accepts: names it does not read (a did-you-mean when one is close), and values it cannot
 * read or that do what the page did not mean. The snippet has no room to say so itself.
 */
function checkSettings(given, rules, add, where) {
  const keys = ['tenant', 'market', 'apiKey', ...Object.keys(rules.DEFAULTS)];
  // a null or undefined value there leaves the tag's in force, as the snippet reads it
  const fromConfig = new Set(given.config.filter((c) => c.value != null).map((c) => c.key));
  const fromTag = new Set(given.tag.map((a) => camel(a.name)));
  const quote = (v) => JSON.stringify(typeof v == 'string' && v.length > 60 ? v.slice(0, 60) + '…' : v);

  // a value: what the snippet makes of it, and whether that is what the page meant
  const value = (key, raw, shown, at, severity, suffix = '') => {
    if (raw == null || !(key in rules.DEFAULTS)) return;
    const d = rules.DEFAULTS[key];
    const v = rules.parseConfig({ tenant: 't', market: 'm', apiKey: 'k', [key]: raw })[key];
    const bad = (sev, message) => add(severity ?? sev, 'bad-setting', message + suffix, at);
    if (typeof d == 'number') {
      if (v !== Number(raw)) bad('warning', `${shown} is not a number (digits and a dot only, e.g. "${d}"): the snippet ignores it and uses the default, ${d}`);
    } else if (typeof d == 'boolean') {
      if (typeof raw != 'boolean' && !/^(|true|1|on|yes|false|0|off|no)$/i.test(String(raw)))
        bad('warning', `${shown} is not a switch value: the snippet reads it as ${v ? 'on' : 'off'} (false, 0, off and no are off, anything else on)`);
    } else if (key == 'consent') {
      if (!CONSENT.includes(v)) {
        const hint = typeof v == 'string' && suggest(rules, v, CONSENT);
        bad('error', `${shown} is none of "granted", "pending" and "denied"${hint ? ` (did you mean ${hint}?)` : ''}: the snippet treats it as not granted, and stores and sends nothing until depict.consent(true)`);
      }
    } else if (key == 'capture' || key == 'privacySignals') {
      const known = key == 'capture' ? d : PRIVACY_SIGNALS;
      const unknown = v.filter((n) => !known.includes(n));
      if (!unknown.length) return;
      const list = unknown.map((n) => `"${n}"` + ((n = suggest(rules, n, known)) ? ` (did you mean ${n}?)` : '')).join(', ');
      const what = key == 'capture' ? 'a capture' : 'a privacy signal';
      const effect =
        key == 'capture'
          ? `captured: ${v.filter((n) => known.includes(n)).join(', ') || 'nothing'}`
          : // Global Privacy Control unless the list has `none` (src/tracker.ts)
            `the snippet honours ${!v.includes('none') ? (v.includes('dnt') ? 'Global Privacy Control and Do Not Track' : 'Global Privacy Control, not Do Not Track') : v.includes('dnt') ? 'Do Not Track, not Global Privacy Control' : 'neither Global Privacy Control nor Do Not Track'}`;
      bad('error', `${shown}: ${list} ${unknown.length > 1 ? 'are' : 'is'} not ${what} (${known.join(', ')}) and ${unknown.length > 1 ? 'are' : 'is'} ignored; ${effect}`);
    }
  };
  // a name the snippet does not read: a warning (another tool's attribute?), or, when it looks
  // like a setting that is not set otherwise (the page meant it), what a value of that
  // setting the snippet cannot read is: a warning for a number or a switch, else an error
  const unknown = (intended, shown, shownIntended, at) => {
    if (!intended)
      return add('warning', 'unknown-setting', `${shown} is not a setting of the snippet: it is ignored`, at);
    if (fromTag.has(intended) || fromConfig.has(intended))
      return add('warning', 'unknown-setting', `${shown} is not a setting of the snippet: it is ignored; did you mean ${shownIntended}?`, at);
    const d = rules.DEFAULTS[intended];
    const fallback = d === undefined ? 'the snippet does not start' : Array.isArray(d) ? 'its default applies' : `its default, ${d}, applies`;
    const severity = typeof d == 'number' || typeof d == 'boolean' ? 'warning' : 'error';
    add(severity, 'unknown-setting', `${shown} is not a setting of the snippet: it is ignored; did you mean ${shownIntended}? That is not set, so ${fallback}`, at);
  };

  for (const a of given.tag) {
    if (a.name.startsWith('depict-')) continue; // a field: the data-depict-* name check has it
    const key = camel(a.name);
    const shown = `data-${a.name}="${a.value.length > 60 ? a.value.slice(0, 60) + '…' : a.value}" on the script tag`;
    if (!keys.includes(key)) {
      const intended = suggest(rules, a.name, keys.map(dashed));
      unknown(intended && camel(intended), `data-${a.name} on the script tag`, `data-${intended}`, where);
    } else if (fromConfig.has(key)) value(key, a.value, shown, where, 'warning', ` (window.depictConfig.${key} overrides it on this page)`);
    else value(key, a.value, shown, where);
  }
  for (const { key, value: raw } of given.config) {
    if (!keys.includes(key)) {
      const intended = suggest(rules, key, keys);
      unknown(intended, `window.depictConfig.${key}`, `window.depictConfig.${intended}`, {});
    }
    else value(key, raw, `window.depictConfig.${key} = ${quote(raw)}`, {});
  }
}

/**
 * The problems of a page from its facts. Each: severity `error` (events are lost or
 * worthless) or `warning` (they lose something), a code, a message, and the element's CSS
 * path and opening tag where there is one.
 */
// an answer's status as src/send.ts reads it: 'sent', 'rejected' (422: the events it names
// dropped, the rest sent again), 'retried' (408, 429, 5xx) or 'refused' (any other 4xx: the
// batch dropped, or, on a 401 or 404, kept and tried again in a minute)
function outcome(status) {
  return status == 422 ? 'rejected' : status >= 500 || status == 429 || status == 408 ? 'retried' : status >= 400 ? 'refused' : 'sent';
}

function judge(facts, rules, run) {
  const problems = [];
  const add = (severity, code, message, where = {}) => problems.push({ severity, code, message, ...where });
  const el = (f) => ({ path: f.path, html: f.html });
  const { snippet } = facts;

  if (run.status >= 400) add('error', 'page-status', `the page answered ${run.status}`);

  // the script tag and its settings
  const settings = [['tenant', 'tenant'], ['market', 'market'], ['apiKey', 'api-key']];
  const complete = settings.every(([key]) => snippet[key]);
  if (!snippet.tag && !snippet.loaded && !run.events.length)
    add('error', 'no-snippet', 'no depict.js script tag on the page, and no event was sent: nothing is tracked');
  else if (!snippet.tag)
    add('warning', 'no-script-tag', 'events were sent, but no depict.js script tag was found (bundled, or loaded another way?): its settings could not be checked');
  else {
    for (const [key, attribute] of settings)
      if (!snippet[key])
        add('error', 'script-tag-missing-attribute', `the script tag has no data-${attribute} (nor window.depictConfig.${key}): the snippet does not start`, el(snippet.tag));
    // a src that does not load (a wrong CDN path, a 404, a CSP's script-src, a root-relative
    // src in a local file): nothing runs, and the page's console says only that a resource failed
    if (!snippet.loaded && !run.events.length)
      add(
        'error',
        'snippet-not-loaded',
        `the script tag's src (${snippet.tag.src ?? 'none'}) did not load or did not run: nothing is tracked` +
          (url.startsWith('file:') && snippet.tag.src?.startsWith('/') ? ` (a root-relative src in a local file is file://${snippet.tag.src}: audit the page from its server)` : ''),
        el(snippet.tag),
      );
    if (!snippet.tag.async && snippet.tag.src)
      add('warning', 'script-not-async', 'the script tag is neither async nor defer: it holds up the page while it loads', el(snippet.tag));
  }
  checkSettings(facts.given, rules, add, snippet.tag ? el(snippet.tag) : {});
  if (snippet.endpointSet && run.endpointError)
    add('error', 'endpoint-unreachable', `data-endpoint ${snippet.endpoint ?? '(not a URL)'} is not reachable: ${run.endpointError}`, snippet.tag ? el(snippet.tag) : {});

  // attribute names and values
  for (const a of facts.attributes) {
    const why = rules.attributeProblem(a.name);
    const shown = a.meta ? `<meta name="depict-${a.name}">` : `data-depict-${a.name}`;
    if (why) add('error', 'unknown-attribute', `${shown}: ${why.replace('data-depict-', a.meta ? 'depict-' : 'data-depict-')}`, el(a));
    else if (a.name.toLowerCase() == 'entity-identifiers') {
      let v;
      try {
        v = JSON.parse(a.value);
      } catch {
        add('error', 'entity-identifiers-not-json', `${shown} is not JSON (${JSON.stringify(a.value.slice(0, 60))}): the field is left out`, el(a));
        continue;
      }
      if (typeof v != 'object' || v === null || Array.isArray(v))
        add('error', 'entity-identifiers-not-object', `${shown} must be a JSON object, e.g. {"sku": "…"}: the field is left out`, el(a));
    } else if (a.name.toLowerCase() == 'entity-price' && a.value.trim() && !rules.PLAIN.test(rules.price(a.value.trim())))
      add('warning', 'price-not-a-number', `${shown}="${a.value}" is no price the snippet can read (e.g. "499.00", "1 299,00"): it is sent as it is, and Depict reads prices as numbers`, el(a));
  }

  // product elements
  for (const p of facts.products) {
    const results = Object.keys(p.results);
    if (!p.productId && !results.length)
      add('error', 'product-without-id', 'product element without an id: its product id and result ids are empty', el(p));
    else if (!p.productId)
      add('warning', 'result-without-product-id', `product element with a ${results[0]} but no data-depict-product-id: its events carry no product_id, so add to carts and purchases cannot be attributed to it`, el(p));
  }
  const groups = new Map();
  for (const p of facts.products) {
    if (!p.productId) continue;
    const g = groups.get(p.group) ?? groups.set(p.group, { kind: p.groupKind, ids: new Map() }).get(p.group);
    g.ids.set(p.productId, [...(g.ids.get(p.productId) ?? []), p]);
  }
  for (const [group, { kind, ids }] of groups) {
    const dups = [...ids].filter(([, ps]) => ps.length > 1);
    if (!dups.length) continue;
    const list = dups.slice(0, 5).map(([id, ps]) => `${id} (${ps.length}×)`).join(', ') + (dups.length > 5 ? `, and ${dups.length - 5} more` : '');
    add('warning', 'duplicate-product-id', `${dups.length == 1 ? 'a product id appears' : `${dups.length} product ids appear`} more than once in one ${kind}: ${list}. Fine where the ${kind} shows a product twice (each card with a result id of its own counts on its own; cards with the same fields count once); else a template that prints one card's id on others`, {
      path: group,
      html: dups[0][1][1].html,
      elements: dups.flatMap(([, ps]) => ps.slice(1).map((x) => x.path)),
    });
  }
  const results = new Map();
  for (const p of facts.products)
    for (const [field, value] of Object.entries(p.results)) {
      const key = `${field}\u0000${value}`;
      results.set(key, [...(results.get(key) ?? []), p]);
    }
  for (const [key, ps] of results) {
    if (ps.length < 2) continue;
    const [field, value] = key.split('\u0000');
    add('error', 'duplicate-result-id', `${field} "${value}" is on ${ps.length} product elements: Depict cannot tell which one was seen or clicked`, {
      ...el(ps[1]),
      elements: ps.map((x) => x.path),
    });
  }

  // widgets, actions, purchase blocks
  for (const w of facts.widgets)
    if (!w.products)
      add('error', 'widget-without-products', `recommendation widget "${w.type || ''}" holds no product element: its cards send no impressions or clicks (annotate each with data-depict-product-id and data-depict-recommendation-id)`, el(w));
  for (const a of facts.actions) {
    if (!rules.EVENT_TYPES.includes(a.event))
      add('error', 'unknown-event', `data-depict-event="${a.event}" is not an event type (${rules.EVENT_TYPES.join(', ')}): a click on it sends nothing`, el(a));
    else if (a.event == 'add_to_cart' && !a.product)
      add('error', 'add-to-cart-without-product', 'add-to-cart button with no product: no product element around it and no <meta name="depict-product-id"> on the page, so its add_to_cart has no product_id', el(a));
  }
  for (const p of facts.purchases) {
    let order;
    try {
      order = JSON.parse(p.text);
    } catch {
      add('error', 'purchase-block-not-json', 'a data-depict-purchase block is not valid JSON: the purchase is not sent', el(p));
      continue;
    }
    const missing = ['transaction_id', 'currency', 'items'].filter((k) => !order?.[k]);
    if (missing.length) add('error', 'purchase-block-incomplete', `a data-depict-purchase block lacks ${missing.join(', ')}: the purchase is not sent`, el(p));
  }

  // what was sent, and what the snippet said
  const hinted = new Map();
  for (const e of run.events)
    for (const h of rules.eventHints(e)) hinted.set(h.code, { ...h, count: (hinted.get(h.code)?.count ?? 0) + 1 });
  for (const h of hinted.values()) add('warning', 'event-' + h.code, `${h.count} event${h.count > 1 ? 's' : ''}: ${h.message}`);
  for (const r of run.requests) {
    const o = r.failure ? 'failed' : outcome(r.status);
    if (o == 'failed') add('error', 'send-failed', `a batch of ${r.events} events could not be sent: ${r.failure}`);
    else if (o == 'rejected') add('error', 'events-rejected', `the endpoint rejected a batch of ${r.events} events (422): ${r.detail}`);
    else if (o == 'retried') add('warning', 'send-retried', `the endpoint answered ${r.status}; the snippet retries later`);
    else if (o == 'refused')
      add(
        'error',
        'send-refused',
        `the endpoint refused a batch of ${r.events} events (${r.status}): ${r.detail}` +
          (r.status == 404 ? ': no API at that path, check data-endpoint' : r.status == 401 ? ': the key is refused, check data-api-key' : ''),
      );
  }
  if (snippet.loaded && complete && !run.events.length && !run.requests.length)
    add('warning', 'no-events', `the snippet runs but sent nothing while the page was open${snippet.consent == 'pending' ? ' (consent is pending)' : ' (consent pending? a privacy signal? captures off?)'}`);
  for (const c of run.console) add(c.type, c.type == 'error' ? 'console-error' : 'console-warning', c.count > 1 ? `${c.text} (${c.count}×)` : c.text);

  const rank = { error: 0, warning: 1 };
  return problems.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

// ---- The run ----

/** Scrolls to the bottom, until the page stops growing (infinite lists), then back up. */
async function scroll(page) {
  const until = Date.now() + 30_000;
  let height = 0;
  let still = 0;
  while (still < 4 && Date.now() < until) {
    const at = await page.evaluate(() => {
      scrollBy(0, Math.max(200, innerHeight * 0.8));
      return { bottom: scrollY + innerHeight >= document.documentElement.scrollHeight - 2, height: document.documentElement.scrollHeight };
    });
    await page.waitForTimeout(at.bottom ? 250 : 100);
    still = at.bottom && at.height == height ? still + 1 : 0;
    height = at.height;
  }
  while (Date.now() < until + 10_000 && (await page.evaluate(() => (scrollBy(0, -Math.max(200, innerHeight * 0.8)), scrollY > 0))))
    await page.waitForTimeout(60);
  await page.evaluate(() => scrollTo(0, 0));
}

/** Whether a URL answers at all (any HTTP status will do); the error when it does not. */
async function unreachable(endpoint) {
  if (!endpoint || !/^https?:/.test(endpoint)) return `${endpoint ?? 'it'} is not an http(s) URL`;
  try {
    await fetch(endpoint, { method: 'OPTIONS', signal: AbortSignal.timeout(5000) });
    return undefined;
  } catch (e) {
    return String(e.cause?.code || e.cause?.message || e.message);
  }
}

const withoutQuery = (u) => u.split(/[?#]/)[0];

async function audit() {
  const rules = await loadRules();
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' });
  } catch (e) {
    throw new Cannot(`could not start Chromium (set CHROMIUM_PATH): ${e.message.split('\n')[0]}`);
  }
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const posts = [];
    page.on('request', (r) => r.method() == 'POST' && posts.push(r));
    // --dry-run: a POST of events (a JSON list of objects with a deduplication_id) is answered
    // here, as the API would answer it, and goes no further; every other request goes on
    if (dryRun)
      await context.route('**/*', (route, r) => {
        let batch;
        try {
          batch = r.method() == 'POST' && JSON.parse(r.postData() ?? '');
        } catch {}
        if (!Array.isArray(batch) || !batch.some((e) => e?.deduplication_id)) return route.fallback();
        const origin = r.headers().origin;
        return route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: '[]',
          headers: origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' } : {},
        });
      });
    const said = new Map();
    page.on('console', (m) => {
      const type = m.type() == 'warning' ? 'warning' : m.type() == 'error' ? 'error' : undefined;
      // the message, without the objects logged with it (Chromium's previews: `[Object,
      // Object]`, `{…}`)
      const text = m
        .text()
        .split(' JSHandle@')[0]
        .replace(/ (\[Object[^\]]*\]|\{.*\}|Object|Array\(\d+\))$/, '')
        .slice(0, 300);
      if (!type || !text.startsWith('[depict]')) return;
      const key = type + text;
      said.set(key, { type, text, count: (said.get(key)?.count ?? 0) + 1 });
    });

    let response;
    try {
      response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    } catch (e) {
      throw new Cannot(`could not open ${url}: ${e.message.split('\n')[0]}`);
    }
    await scroll(page);
    await page.waitForTimeout(wait);
    // hand over what is queued now rather than at unload
    await Promise.race([page.evaluate(() => window.depict?.loaded && window.depict.flush?.()).catch(() => {}), page.waitForTimeout(5000)]);

    const facts = await page.evaluate(inspectPage, {
      selectors: rules.SELECTORS,
      resultAttributes: rules.RESULT_ATTRIBUTES,
      defaultEndpoint: DEFAULT_ENDPOINT,
    });
    const endpoint = facts.snippet.endpoint;
    const requests = [];
    const events = [];
    /** The deduplication_ids counted (an event without one is counted every time). */
    const seen = new Set();
    for (const r of posts) {
      if (!endpoint || withoutQuery(r.url()) != withoutQuery(endpoint)) continue;
      let batch = [];
      try {
        batch = JSON.parse(r.postData() ?? '[]');
      } catch {}
      if (!Array.isArray(batch)) batch = [];
      // an event sent again (a retry) is counted once
      for (const e of batch) {
        const id = e?.deduplication_id;
        if (!id || !seen.has(id)) seen.add(id), events.push(e);
      }
      const res = await Promise.race([r.response(), new Promise((ok) => setTimeout(ok, 5000, null))]).catch(() => null);
      let detail = '';
      if (res && res.status() >= 400)
        detail = await res.text().then((t) => {
          try {
            const d = JSON.parse(t).detail;
            return Array.isArray(d) ? d.slice(0, 3).map((i) => `${i.loc?.join('.')}: ${i.msg}`).join('; ') + (d.length > 3 ? `; and ${d.length - 3} more` : '') : String(d);
          } catch {
            return t.slice(0, 200);
          }
        }, () => '');
      requests.push({ status: res?.status() ?? null, events: batch.length, failure: r.failure()?.errorText ?? (res ? undefined : 'no answer'), detail });
    }
    const run = {
      status: response?.status(),
      events,
      requests,
      console: [...said.values()],
      endpointError: facts.snippet.endpointSet && !dryRun ? await unreachable(endpoint) : undefined,
    };
    const problems = judge(facts, rules, run);
    const byType = {};
    for (const e of events) byType[e?.type] = (byType[e?.type] ?? 0) + 1;
    return {
      url,
      status: response?.status() ?? null,
      title: facts.title,
      snippet: {
        ...facts.snippet,
        apiKey: facts.snippet.apiKey ? '…' + facts.snippet.apiKey.slice(-4) : null,
        endpointReachable: facts.snippet.endpointSet ? !run.endpointError : undefined,
        // reachable, but refusing every batch for the tag's sake (404: no API at that path; 401:
        // the key): the status, else undefined
        endpointRefused: requests.find((r) => outcome(r.status) == 'refused')?.status,
        // loaded, but without its required settings it installs a window.depict that does nothing
        started: facts.snippet.loaded && !run.console.some((c) => c.text.startsWith('[depict] not started')),
      },
      counts: {
        productElements: facts.products.length,
        widgets: facts.widgets.length,
        addToCartButtons: facts.actions.filter((a) => a.event == 'add_to_cart').length,
        purchaseBlocks: facts.purchases.length,
        requests: requests.length,
        events: events.length,
        sentAgain: requests.reduce((n, r) => n + r.events, 0) - events.length,
        dryRun,
        eventsByType: byType,
        consoleWarnings: run.console.filter((c) => c.type == 'warning').reduce((n, c) => n + c.count, 0),
        consoleErrors: run.console.filter((c) => c.type == 'error').reduce((n, c) => n + c.count, 0),
      },
      events,
      problems,
      errors: problems.filter((p) => p.severity == 'error').length,
      warnings: problems.filter((p) => p.severity == 'warning').length,
    };
  } finally {
    await browser.close();
  }
}

// ---- The report ----

function print(r) {
  const color = process.stdout.isTTY && !process.env.NO_COLOR;
  const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const [red, yellow, green, dim, bold] = [paint(31), paint(33), paint(32), paint(2), paint(1)];
  const c = r.counts;
  const s = r.snippet;
  const plural = (n, word) => `${n} ${word}${n == 1 ? '' : 's'}`;
  const lines = [
    bold(`Depict audit of ${r.url}`) + dim(`  (${r.status ?? 'no status'}${r.title ? `, "${r.title}"` : ''})`),
    '',
    `  snippet    ${s.tag ? s.tag.src ?? 'inline tag' : 'no script tag'}` +
      (s.tenant ? ` · tenant ${s.tenant}` : '') +
      (s.market ? ` · market ${s.market}` : '') +
      ` · endpoint ${s.endpoint ?? '?'}${s.endpointReachable === false ? red(' (not reachable)') : s.endpointRefused ? red(` (answers ${s.endpointRefused})`) : s.endpointReachable ? ' (reachable)' : ''}` +
      ` · ${s.started ? 'started' : s.loaded ? red('loaded, not started') : 'not loaded'}`,
    `  elements   ${plural(c.productElements, 'product element')} · ${plural(c.widgets, 'widget')} · ${plural(c.addToCartButtons, 'add-to-cart button')} · ${plural(c.purchaseBlocks, 'purchase block')}`,
    `  events     ${plural(c.events, 'event')} in ${plural(c.requests, 'request')}` +
      (c.events ? ` (${Object.entries(c.eventsByType).map(([t, n]) => `${n} ${t}`).join(', ')})` : '') +
      (c.sentAgain ? `, ${c.sentAgain} sent again` : '') +
      (c.dryRun ? dim(' · dry run: answered here, not sent') : ''),
    `  console    ${plural(c.consoleWarnings, '[depict] warning')}, ${plural(c.consoleErrors, 'error')}`,
    '',
  ];
  if (!r.problems.length) lines.push(green('✔ no problems found'));
  else {
    lines.push(bold(`${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}`), '');
    for (const p of r.problems) {
      const mark = p.severity == 'error' ? red('✖ error  ') : yellow('▲ warning');
      lines.push(`${mark}  ${p.message}  ${dim(p.code)}`);
      if (p.path) lines.push(`             ${p.path}`);
      if (p.html) lines.push(dim(`             ${p.html}`));
      const also = p.elements?.filter((x) => x != p.path) ?? [];
      if (also.length) lines.push(dim(`             also: ${also.slice(0, 4).join(' | ')}${also.length > 4 ? ' | …' : ''}`));
    }
  }
  console.log(lines.join('\n'));
}

const report = await audit().catch((e) => cannot(e instanceof Cannot ? e.message : (e.stack ?? String(e))));
if (json) console.log(JSON.stringify(report, null, 2));
else print(report);
process.exit(report.errors ? 1 : 0);
