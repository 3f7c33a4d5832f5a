#!/usr/bin/env node
// The reliability bench (issue 5): nothing lost, nothing doubled. Randomised shopper journeys
// on the demo shop, in headless Chromium, against the local collector — once with a flaky
// API, once with a healthy one — and a count of what the pages queued against what the
// collector stored.
//
//   npm run bench:reliability          (builds first)
//   node bench/reliability.mjs [--seed N] [--journeys N] [--healthy N] [--quick] [--fast] [--contexts N]
//                              [--dwell MIN-MAX] [--only faulty|healthy] [--bfcache] [--trace]
//                              [--json] [--verbose]
//
// The journeys: a seeded plan (mulberry32; --seed, default 1), so a seed always walks the same
// journeys: a start page (home, a category, a search, the cart or a product) and 8 to 12
// actions — click a card, add to cart, scroll and linger, go back, middle-click a card into a
// new tab (and sometimes go on there), close a tab, filter the listing (pushState), search,
// follow a header link, check out, type a URL — with a pause after each (--dwell: 1.5 to 4 s, a
// shopper's pace; --fast: 50 to 300 ms, a stress test). 10 browser contexts (--contexts) walk them in
// parallel, one shared tenant per pass; a context is one shopper's browser, so what a journey
// leaves queued is sent by a later one. At the end each context opens one more page, and the
// bench waits until every queue is empty and the stored count has not moved for 3 s.
// The faulty pass walks --journeys (200); the healthy pass the first --healthy (40) of them.
//
// How it counts:
// - generated: the distinct deduplication_ids the snippet queued, read from its debug output
//   ("[depict] <type> queued" and the event), through Playwright's console events and a copy
//   an init script keeps in localStorage; the page's clock then is the event's creation time.
// - delivered: generated ids the collector stored; lost = generated − delivered;
//   duplicates stored: stored events sharing a deduplication_id.
// - sends per event: the collector's events_received / delivered.
// - delivery time: the collector's _received_at − the creation time (one machine, one clock).
// - every POST goes through a small proxy in front of the collector that notes each one's ids,
//   which document sent it and whether that document was being left (headers an init script
//   adds to the snippet's fetch), and the answer, to say why an event was sent more than once.
//
// Exits 1 if an event was lost or stored twice, 2 on a bench error.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : undefined);
if (flag('--help') || flag('-h')) {
  console.log(
    'node bench/reliability.mjs [--seed N (default 1)] [--journeys N (default 200)] [--quick (20 journeys)] [--fast (shoppers acting every 50-300 ms)]\n' +
      '                           [--healthy N (default 40; 10 with --quick)] [--contexts N (default 10)] [--dwell MIN-MAX (ms, default 1500-4000)] [--only faulty|healthy]\n' +
      '                           [--bfcache] [--trace] [--json] [--verbose]',
  );
  process.exit(0);
}
const SEED = Number(opt('--seed') ?? 1) >>> 0;
const JOURNEYS = flag('--quick') ? 20 : Math.max(1, Number(opt('--journeys') ?? 200) | 0);
/** The healthy pass walks the first of the same journeys: enough events for its p95. */
const HEALTHY = Math.min(JOURNEYS, Math.max(1, Number(opt('--healthy') ?? (flag('--quick') ? 10 : 40)) | 0));
const CONTEXTS = Math.max(1, Number(opt('--contexts') ?? 10) | 0);
const PASSES = ['faulty', 'healthy'].filter((p) => !opt('--only') || opt('--only') == p);
const JSON_OUT = flag('--json');
const VERBOSE = flag('--verbose');
/** Keeps, per document, its sends, its copies to localStorage and its pagehide: for --json. */
const TRACE = flag('--trace');
const BFCACHE = flag('--bfcache');
/** The pause after each action, ms: a shopper's pace by default (a page read, a card looked
 * at); --fast is a stress test of shoppers who act every 50-300 ms, and close a tab right after
 * following a link. */
const [DWELL_MIN, DWELL_MAX] = (opt('--dwell') || (flag('--fast') ? '50-300' : '1500-4000')).split('-').map(Number);
const log = JSON_OUT ? (...a) => console.error(...a) : (...a) => console.log(...a);

/**
 * The flaky API of the faulty pass. The collector holds one global fault at a time; the
 * bench switches it every second through this cycle of ten, so 15% of all requests are
 * faulted: 6% 503 (no Retry-After: exponential back-off), 4.5% connection dropped after the
 * body was read, 1.5% stored but answered 503 (the answer lost), 1.5% 429 with Retry-After: 1,
 * 1.5% answered 1.5 s late (slow, not failed).
 */
const RATE = 0.15;
const FAULT_CYCLE = [
  ...Array(4).fill({ status: 503, rate: RATE }),
  ...Array(3).fill({ drop: true, rate: RATE }),
  { storeThenFail: true, status: 503, rate: RATE },
  { status: 429, retryAfter: 1, rate: RATE },
  { delayMs: 1500, rate: RATE },
];

const TARGETS = { sendsPerEvent: 1.2, p95HealthyMs: 2000 };

// ---------------------------------------------------------------------------- seeded plan
/** mulberry32: a small seeded PRNG, so that a seed always gives the same journeys. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = {
  card: 20, // click a product card: a click event, then the product page
  add: 12, // add to cart, from a card or the product page
  scroll: 12, // scroll and linger: impressions, more cards on the listing
  back: 10, // history back (a back/forward-cache restore when Chromium can)
  newtab: 8, // middle-click a card: a new tab, sometimes the one the shopper goes on in
  closetab: 5, // close a tab
  filter: 6, // a category filter: a client-side (pushState) navigation
  search: 6, // search from the header
  nav: 8, // a header link: home, category, cart
  checkout: 5, // cart, then checkout: purchase events on the confirmation page
  type: 8, // a typed URL
};
const WORDS = ['dress', 'black', 'linen', 'shoe', 'scarf', 'leather', 'top', 'sand', 'knit', 'navy', 'boot'];
const CATS = ['', 'dresses', 'tops', 'shoes', 'accessories'];
const urlFor = (r) => {
  const k = Math.floor(r * 5);
  const r2 = (r * 5) % 1;
  if (k == 0) return '/';
  if (k == 1) return '/category.html' + (Math.floor(r2 * 5) ? '?cat=' + CATS[Math.floor(r2 * 5)] : '');
  if (k == 2) return '/search.html?q=' + WORDS[Math.floor(r2 * WORDS.length)];
  if (k == 3) return '/cart.html';
  return '/product.html?id=p-' + (1001 + Math.floor(r2 * 24));
};

/** Journey `i` of seed `seed`: a start page and about ten actions, each with its own dice. */
function plan(seed, i) {
  const rnd = prng(seed * 1000003 + i);
  const kinds = Object.entries(ACTIONS);
  const total = kinds.reduce((n, [, w]) => n + w, 0);
  const steps = Array.from({ length: 8 + Math.floor(rnd() * 5) }, () => {
    let x = rnd() * total;
    const kind = kinds.find(([, w]) => (x -= w) < 0)[0];
    return { kind, r: rnd(), r2: rnd(), dwell: rnd() };
  });
  return { start: urlFor(rnd()), steps };
}

// ---------------------------------------------------------------------------- collector and proxy
const children = new Set();
const cleanups = [];
const cleanup = () => {
  for (const c of children) c.kill();
  for (const f of cleanups.splice(0)) f();
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Starts dist/collector.js on a free port with a data folder of its own. */
async function startCollector(faults) {
  const dataDir = mkdtempSync(join(tmpdir(), 'depict-reliability-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [join(ROOT, 'dist/collector.js')], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      QUIET: '1',
      DEPICT_DATA_DIR: dataDir,
      ...(faults ? { DEPICT_FAULTS: JSON.stringify(faults) } : { DEPICT_FAULTS: '' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const url = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1].replace('localhost', '127.0.0.1'));
    });
    child.once('exit', (code) => fail(new Error(`the collector exited (${code}): ${out}`)));
    setTimeout(() => fail(new Error('the collector did not start in 10 s')), 10_000);
  });
  const api = async (path, init) => (await fetch(url + path, init)).json();
  return {
    url,
    api,
    setFault: (f) => api('/__faults', { method: 'POST', body: JSON.stringify(f) }),
    stop: () => new Promise((ok) => (child.exitCode !== null ? ok() : (child.once('exit', ok), child.kill()))),
  };
}

/**
 * A proxy in front of the collector that notes every POST /create-events: when, from which
 * page (Referer), the deduplication_ids, and the answer (a status, `dropped`, or none yet).
 */
async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const sends = [];
  const server = createServer((req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let rec;
      if (req.method == 'POST' && req.url.startsWith('/create-events')) {
        let ids = [];
        try {
          ids = JSON.parse(body.toString()).map((e) => e.deduplication_id);
        } catch {}
        rec = {
          t: Date.now(),
          doc: req.headers['x-bench-doc'] || 'beacon',
          leaving: req.headers['x-bench-leaving'] == '1',
          ids,
          outcome: null,
          answeredAt: 0,
        };
        sends.push(rec);
      }
      const up = httpRequest({ host: hostname, port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        if (rec) (rec.outcome = ur.statusCode), (rec.answeredAt = Date.now());
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => {
        if (rec) (rec.outcome = 'dropped'), (rec.answeredAt = Date.now());
        res.destroy();
      });
      up.end(body);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    sends,
    stop: () => new Promise((ok) => (server.close(() => ok()), server.closeAllConnections())),
  };
}

// ---------------------------------------------------------------------------- the pages' side
/**
 * Notes every event the snippet queues in `context`: id → {type, t (page clock)}, from its
 * debug output, through two channels: Playwright's console events, and — because a tab
 * closed right after an event may take its last console messages with it — a copy that an
 * init script writes to localStorage (`bq:<id>`, synchronous, kept when the tab closes),
 * read by `collect(page)` at the end. A page restored from the back/forward cache replays
 * its console; the first sighting counts.
 */
function watchQueued(context, generated, problems) {
  const title = new Map();
  const reading = [];
  context.on('console', (m) => {
    const page = m.page();
    const type = m.type();
    if (type == 'startGroupCollapsed') {
      const r = /^\[depict\] (\w+) queued$/.exec(m.text());
      title.set(page, r && { type: r[1], t: m.timestamp(), url: page?.url() });
    } else if (type == 'log' && title.get(page)) {
      const head = title.get(page);
      title.set(page, null);
      const add = (id) => note(generated, id, head);
      const id = /deduplication_id: ([^,}\s]+)/.exec(m.text())?.[1];
      if (id) add(id);
      else
        reading.push(
          m.args()[0].jsonValue().then(
            (e) => add(e.deduplication_id),
            () => problems.unreadable++,
          ),
        );
    } else if (type == 'error' && m.text().startsWith('[depict]')) problems.snippetErrors.push(m.text().slice(0, 200));
  });
  context.on('weberror', (e) => problems.pageErrors.push(String(e.error()).slice(0, 200)));
  return {
    settle: () => Promise.all(reading),
    async traces(page) {
      return page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('bt:')).map((k) => [k, localStorage.getItem(k)]));
    },
    async collect(page) {
      const copies = await page.evaluate(() =>
        Object.keys(localStorage).filter((k) => k.startsWith('bq:')).map((k) => [k.slice(3), localStorage.getItem(k)]),
      );
      for (const [id, v] of copies) {
        const [type, t, url, doc] = v.split(' ');
        if (!generated.has(id)) problems.consoleMissed++;
        note(generated, id, { type, t: Number(t), url, doc });
      }
    },
  };
}

const note = (generated, id, q) => {
  const had = generated.get(id);
  if (!had || had.t > q.t) generated.set(id, { ...had, ...q });
  else if (q.doc) had.doc = q.doc;
};

/** The init script that copies each "[depict] <type> queued" group's event id to localStorage. */
function copyQueued() {
  const group = console.groupCollapsed;
  const log = console.log;
  let head = null;
  console.groupCollapsed = function (...a) {
    const m = /^\[depict\] (\w+) queued$/.exec(String(a[0]));
    head = m && m[1] + ' ' + Date.now() + ' ' + location.href + ' ' + window.__benchDoc;
    return group.apply(this, a);
  };
  console.log = function (...a) {
    const h = head;
    head = null;
    if (h && a[0] && a[0].deduplication_id)
      try {
        localStorage.setItem('bq:' + a[0].deduplication_id, h);
      } catch {}
    return log.apply(this, a);
  };
}

const quick = { timeout: 4000 };

/**
 * Clicks one of the visible elements matching `sel` (picked by `r`) with the mouse, as a
 * shopper does: scrolled into view, then a real press at its centre. Two round trips to the
 * browser instead of Playwright's actionability checks, which cost more than the page did on
 * a busy two-core machine. False when there is none.
 */
async function clickOne(page, sel, r, button = 'left') {
  const at = await page.evaluate(
    ([sel, r]) => {
      const all = [...document.querySelectorAll(sel)].filter((e) => e.checkVisibility?.() ?? e.offsetParent);
      const el = all[Math.floor(r * all.length)];
      if (!el) return null;
      el.scrollIntoView({ block: 'center' });
      const b = el.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
    },
    [sel, r],
  );
  if (at) await page.mouse.click(at.x, at.y, { button });
  return !!at;
}

/** Does one step on `tabs.current`; changes `tabs` when a tab opens or closes. */
async function act(context, tabs, step) {
  const page = tabs.current;
  const here = new URL(page.url());
  switch (step.kind) {
    case 'card':
      await clickOne(page, '[data-testid=card-link] h3', step.r);
      break;
    case 'add':
      await clickOne(page, '[data-cart-add]', step.r);
      break;
    case 'scroll':
      await page.mouse.wheel(0, 300 + Math.floor(step.r * 1500));
      await page.waitForTimeout(1100); // long enough for impressions
      break;
    case 'back':
      await page.goBack({ waitUntil: 'commit', ...quick });
      break;
    case 'newtab': {
      const opened = context.waitForEvent('page', quick);
      opened.catch(() => {}); // no tab: the click missed, or the page went meanwhile
      if (!(await clickOne(page, '[data-testid=card-link] h3', step.r, 'middle'))) break;
      const tab = await opened;
      tabs.all.push(tab);
      if (step.r2 < 0.5) tabs.current = tab; // the shopper goes on in the new tab
      break;
    }
    case 'closetab': {
      if (tabs.all.length < 2) break;
      const victim = tabs.all[Math.floor(step.r * tabs.all.length)];
      tabs.all = tabs.all.filter((t) => t != victim);
      if (tabs.current == victim) tabs.current = tabs.all[tabs.all.length - 1];
      await victim.close();
      break;
    }
    case 'filter':
      if (here.pathname != '/category.html') await page.goto('/category.html', { waitUntil: 'commit' });
      else await clickOne(page, '[data-filter]', step.r);
      break;
    case 'search':
      await page.getByTestId('search-input').fill(WORDS[Math.floor(step.r * WORDS.length)], quick);
      await page.getByTestId('search-input').press('Enter', quick);
      break;
    case 'nav':
      await clickOne(page, `[data-testid=${['nav-home', 'nav-category', 'nav-cart'][Math.floor(step.r * 3)]}]`, 0);
      break;
    case 'checkout':
      if (here.pathname != '/cart.html') {
        await clickOne(page, '[data-testid=nav-cart]', 0);
        await page.waitForURL(/cart\.html/, { waitUntil: 'domcontentloaded', ...quick });
      }
      await page.getByTestId('checkout').click({ timeout: 1500 }).catch(() => {}); // an empty cart has none
      break;
    case 'type':
      await page.goto(urlFor(step.r), { waitUntil: 'commit' });
      break;
  }
}

/** `promise`, or a rejection ("stuck …") after `ms`. */
const within = (ms, promise) => {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, no) => (timer = setTimeout(() => no(new Error(`stuck for ${ms} ms`)), ms))),
  ]);
};

async function journey(context, p, counts) {
  const first = await context.newPage();
  const tabs = { all: [first], current: first };
  try {
    await first.goto(p.start, { waitUntil: 'commit' });
    for (const step of p.steps) {
      if (tabs.current.isClosed()) break;
      const t = Date.now();
      try {
        await tabs.current.waitForLoadState('domcontentloaded', quick).catch(() => {});
        // page.evaluate and the mouse have no timeout of their own
        await within(15_000, act(context, tabs, step));
        counts.actions++;
      } catch (e) {
        counts.actionErrors++; // an element gone, a navigation racing a click: the walk goes on
        if (VERBOSE) log(`    ${step.kind} skipped: ${String(e.message).split('\n')[0]}`);
        if (/^stuck/.test(e.message)) break; // leave this journey's tabs as they are: closed below
      }
      counts.ms[step.kind] = (counts.ms[step.kind] || 0) + Date.now() - t;
      counts.n[step.kind] = (counts.n[step.kind] || 0) + 1;
      if (!tabs.current.isClosed()) await tabs.current.waitForTimeout(DWELL_MIN + Math.floor(step.dwell * (DWELL_MAX - DWELL_MIN)));
    }
  } finally {
    // the shopper closes the tabs at once, whatever is still being sent
    for (const t of tabs.all) await within(10_000, t.close()).catch(() => counts.actionErrors++);
  }
}

/** Deduplication ids still in this context's IndexedDB queue. */
const queuedIn = (page) =>
  page.evaluate(async () => {
    try {
      const db = await new Promise((ok, no) => {
        const r = indexedDB.open('depict');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => no(r.error);
      });
      if (!db.objectStoreNames.contains('events')) return db.close(), [];
      const keys = await new Promise((ok) => (db.transaction('events').objectStore('events').getAllKeys().onsuccess = (e) => ok(e.target.result)));
      db.close();
      return keys;
    } catch {
      return [];
    }
  });

// ---------------------------------------------------------------------------- one pass
async function pass(browser, name) {
  const faulty = name == 'faulty';
  const journeys = faulty ? JOURNEYS : HEALTHY;
  const started = Date.now();
  const collector = await startCollector(faulty ? FAULT_CYCLE[0] : undefined);
  const proxy = await startProxy(collector.url);
  let slot = 0;
  const rotate = faulty && setInterval(() => collector.setFault(FAULT_CYCLE[++slot % FAULT_CYCLE.length]).catch(() => {}), 1000);

  const generated = new Map();
  const lifecycle = [];
  const problems = { unreadable: 0, consoleMissed: 0, snippetErrors: [], pageErrors: [] };
  const counts = { actions: 0, actionErrors: 0, ms: {}, n: {} };
  const tenant = `bench-${name}`;
  const contexts = [];
  for (let c = 0; c < CONTEXTS; c++) {
    const context = await browser.newContext({ baseURL: proxy.url, viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    // the demo shop's tag, with this bench's tenant and the debug output that says what was queued
    await context.addInitScript((t) => (window.depictConfig = { tenant: t, debug: true }), tenant);
    // for the proxy: which document sent a request, and whether it was being hidden or left
    await context.addInitScript((trace) => {
      const doc = Math.random().toString(36).slice(2) + Date.now().toString(36);
      let leaving = 0;
      addEventListener('pagehide', () => (leaving = 1), true);
      addEventListener('visibilitychange', () => (leaving = document.visibilityState == 'hidden' ? 1 : 0), true);
      addEventListener('pageshow', () => (leaving = 0), true);
      window.__benchDoc = doc;
      const f = window.fetch;
      window.fetch = function (input, init) {
        if (String(input).includes('/create-events') && init) {
          const headers = new Headers(init.headers);
          headers.set('x-bench-doc', doc);
          headers.set('x-bench-leaving', String(leaving));
          init = { ...init, headers };
          if (trace)
            try {
              const ids = JSON.parse(init.body).map((e) => e.deduplication_id.slice(0, 8));
              localStorage.setItem(`bt:${doc}:${Date.now()}:fetch`, `${leaving} ka=${!!init.keepalive} ${ids}`);
            } catch {}
        }
        return f.call(this, input, init);
      };
      if (trace) {
        const set = Storage.prototype.setItem;
        Storage.prototype.setItem = function (k, v) {
          if (k == 'depict_unsent')
            try {
              set.call(this, `bt:${doc}:${Date.now()}:unsent`, JSON.parse(v).map((e) => e.deduplication_id.slice(0, 8)).join());
            } catch {}
          return set.call(this, k, v);
        };
        addEventListener('pagehide', () => {
          try {
            set.call(localStorage, `bt:${doc}:${Date.now()}:pagehide`, location.pathname);
          } catch {} // about:blank and other opaque documents have no localStorage
        }, true);
      }
    }, TRACE);
    await context.addInitScript(copyQueued);
    contexts.push({ context, ...watchQueued(context, generated, problems) });
    // what each tab did when, to explain a lost event
    const tabNo = new Map();
    context.on('page', (p) => {
      tabNo.set(p, `c${c}t${tabNo.size}`);
      const note = (what) => lifecycle.push({ t: Date.now(), tab: tabNo.get(p), what });
      note('opened');
      p.on('framenavigated', (f) => f === p.mainFrame() && note('at ' + f.url().replace(/^https?:\/\/[^/]+/, '')));
      p.on('close', () => note('closed'));
    });
  }

  let next = 0;
  let done = 0;
  const progress = setInterval(() => log(`  ${name}: ${done}/${journeys} journeys, ${generated.size} events queued, ${((Date.now() - started) / 1000) | 0} s`), 30_000);
  await Promise.all(
    contexts.map(async ({ context }) => {
      while (next < journeys) {
        const i = next++;
        await journey(context, plan(SEED, i), counts);
        done++;
      }
    }),
  );
  clearInterval(progress);
  const walked = Date.now();

  // One last page per context: it sends what earlier pages left queued. Done when every
  // queue is empty and the collector's stored count has not moved for 3 s (at most 90 s).
  const finals = await Promise.all(contexts.map(async ({ context }) => {
    const p = await context.newPage();
    await p.goto('/');
    return p;
  }));
  let lastStored = -1;
  let still = 0;
  let left = [];
  for (const end = Date.now() + 90_000; Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 500));
    const { stored } = await collector.api('/stats');
    left = (await Promise.all(finals.map(queuedIn))).flat();
    still = stored == lastStored ? still + 500 : 0;
    lastStored = stored;
    if (!left.length && still >= 3000) break;
  }
  await Promise.all(contexts.map((c) => c.settle()));
  await Promise.all(contexts.map((c, i) => c.collect(finals[i])));
  const traces = TRACE ? (await Promise.all(contexts.map((c, i) => c.traces(finals[i])))).flat() : [];
  if (rotate) clearInterval(rotate);
  const drained = Date.now();

  const stats = await collector.api('/stats');
  const events = await collector.api('/events');
  for (const { context } of contexts) await context.close();
  await proxy.stop();
  await collector.stop();

  // ------------------------------------------------------------------ counting
  const storedIds = new Map();
  for (const e of events) storedIds.set(e.deduplication_id, (storedIds.get(e.deduplication_id) || 0) + 1);
  const firstStored = new Map();
  for (const e of events) if (!firstStored.has(e.deduplication_id)) firstStored.set(e.deduplication_id, e);
  const delivered = [...generated.keys()].filter((id) => storedIds.has(id));
  const lost = [...generated.keys()].filter((id) => !storedIds.has(id));
  const stillQueued = lost.filter((id) => left.includes(id));
  const unexpected = [...storedIds.keys()].filter((id) => !generated.has(id));
  const duplicatesStored = events.length - storedIds.size;
  const latency = delivered.map((id) => Date.parse(firstStored.get(id)._received_at) - generated.get(id).t).sort((a, b) => a - b);
  const q = (p) => (latency.length ? latency[Math.min(latency.length - 1, Math.floor(p * latency.length))] : NaN);
  const byType = {};
  for (const { type } of generated.values()) byType[type] = (byType[type] || 0) + 1;
  const lostByType = {};
  for (const id of lost) lostByType[generated.get(id).type] = (lostByType[generated.get(id).type] || 0) + 1;

  // why an event was sent more than once: the attempt before each extra send
  const sendsOf = new Map();
  for (const s of proxy.sends) for (const id of s.ids) (sendsOf.get(id) || sendsOf.set(id, []).get(id)).push(s);
  const why = { afterFailure: 0, after200FromLeavingPage: 0, after200OtherPage: 0, after200SamePage: 0, whileInFlight: 0, neverAnswered: 0 };
  const gaps = [];
  const examples = {};
  const t00 = proxy.sends[0]?.t || 0;
  for (const [id, list] of sendsOf)
    for (let k = 1; k < list.length; k++) {
      const prev = list[k - 1];
      const cur = list[k];
      let kind;
      if (prev.outcome === null || (prev.answeredAt && prev.answeredAt > cur.t)) kind = prev.outcome === null ? 'neverAnswered' : 'whileInFlight';
      else if (prev.outcome == 'dropped' || prev.outcome >= 300) kind = 'afterFailure';
      else {
        kind = prev.doc == cur.doc ? 'after200SamePage' : prev.leaving ? 'after200FromLeavingPage' : 'after200OtherPage';
        gaps.push(cur.t - prev.answeredAt);
      }
      why[kind]++;
      const ex = (examples[kind] ||= []);
      if (ex.length < 3 && !ex.some((x) => x.id == id))
        ex.push({
          id,
          type: generated.get(id)?.type,
          queuedAt: generated.get(id) ? Math.round(generated.get(id).t - t00) : null,
          sends: list.map((s) => `${s.t - t00} ms doc ${s.doc.slice(0, 6)}${s.leaving ? ' (leaving)' : ''} [${s.ids.length} events] -> ${s.outcome} at ${s.answeredAt - t00}`),
        });
    }
  gaps.sort((a, b) => a - b);
  const firstSends = [...sendsOf.values()].length;

  return {
    pass: name,
    seed: SEED,
    journeys,
    contexts: CONTEXTS,
    faults: faulty ? FAULT_CYCLE : null,
    actions: counts.actions,
    actionErrors: counts.actionErrors,
    msPerAction: Object.fromEntries(Object.keys(counts.n).map((k) => [k, Math.round(counts.ms[k] / counts.n[k])])),
    seconds: { walk: Math.round((walked - started) / 1000), drain: Math.round((drained - walked) / 1000) },
    generated: generated.size,
    byType,
    delivered: delivered.length,
    lost: lost.length,
    lostByType,
    lostStillQueued: stillQueued.length,
    lostIds: lost.slice(0, 20),
    lostDetails: lost.slice(0, 20).map((id) => ({
      id,
      ...generated.get(id),
      t: generated.get(id).t - (proxy.sends[0]?.t || 0),
      trace: traces
        .filter(([k, v]) => k.includes(generated.get(id).doc || '-') || v.includes(id.slice(0, 8)))
        .map(([k, v]) => `${k.split(':')[2] - t00} ${k.split(':')[1].slice(0, 6)} ${k.split(':')[3]} ${v.includes(id.slice(0, 8)) ? 'WITH' : 'without'} it: ${v.slice(0, 80)}`)
        .sort((a, b) => parseInt(a) - parseInt(b)),
      around: lifecycle
        .filter((l) => Math.abs(l.t - generated.get(id).t) < 2000)
        .map((l) => `${l.t - t00} ms ${l.tab} ${l.what}`),
      sends: (sendsOf.get(id) || []).map((s) => `${s.t - t00} ms doc ${s.doc.slice(0, 6)}${s.leaving ? ' (leaving)' : ''} [${s.ids.length}] -> ${s.outcome}`),
    })),
    unseenDetails: unexpected.slice(0, 20).map((id) => ({ id, type: firstStored.get(id).type, url: firstStored.get(id).url, at: Date.parse(firstStored.get(id)._received_at) - t00 })),
    duplicatesStored,
    storedNotSeenQueued: unexpected.length,
    storedNotSeenTypes: unexpected.map((id) => firstStored.get(id).type),
    collector: stats,
    sendsPerEvent: stats.events_received / Math.max(1, delivered.length),
    latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: latency[latency.length - 1] ?? NaN },
    proxy: { requests: proxy.sends.length, eventsSent: proxy.sends.reduce((n, s) => n + s.ids.length, 0), idsSent: firstSends },
    extraSends: why,
    extraSendExamples: examples,
    after200GapMs: { p50: gaps[Math.floor(gaps.length / 2)] ?? NaN, max: gaps[gaps.length - 1] ?? NaN },
    problems: { unreadable: problems.unreadable, consoleMissed: problems.consoleMissed, snippetErrors: problems.snippetErrors.slice(0, 5), pageErrors: problems.pageErrors.slice(0, 5) },
  };
}

// ---------------------------------------------------------------------------- report
const ms = (x) => (Number.isNaN(x) ? '–' : x >= 1000 ? (x / 1000).toFixed(2) + ' s' : Math.round(x) + ' ms');
const list = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');

function print(r) {
  const c = r.collector;
  const extra = r.collector.events_received - r.delivered;
  log('');
  log(`${r.pass.toUpperCase()} — seed ${r.seed}, ${r.journeys} journeys in ${r.contexts} contexts, ${r.actions} actions` +
    ` (${r.actionErrors} skipped), walk ${r.seconds.walk} s + drain ${r.seconds.drain} s`);
  if (r.faults) log(`  faults: ${RATE * 100}% of requests; the kind rotates each second: 503 ×4, drop ×3, stored-then-503 ×1, 429 Retry-After 1 ×1, 1.5 s late ×1`);
  log(`  events generated      ${r.generated}  (${list(r.byType)})`);
  log(`  delivered (unique)    ${r.delivered}`);
  log(`  lost                  ${r.lost}${r.lost ? `  (${list(r.lostByType)}; still queued at the end: ${r.lostStillQueued})` : ''}`);
  log(`  duplicates stored     ${r.duplicatesStored}`);
  log(`  sends per event       ${r.sendsPerEvent.toFixed(3)}  (received ${c.events_received} in ${c.requests} requests; ` +
    `collector duplicates ${c.duplicates}, faulted requests ${c.faulted})`);
  log(`  delivery time         p50 ${ms(r.latencyMs.p50)}, p95 ${ms(r.latencyMs.p95)}, p99 ${ms(r.latencyMs.p99)}, max ${ms(r.latencyMs.max)}`);
  const w = r.extraSends;
  log(`  extra sends           ${extra} (${(extra / Math.max(1, r.delivered)).toFixed(3)} per event), each by what became of the attempt before it:`);
  log(`    failed (fault)                                   ${w.afterFailure}`);
  log(`    200, sent by a page being left (pagehide/hidden) ${w.after200FromLeavingPage}  → sent again by a later page`);
  log(`    200, sent by a visible page that then went       ${w.after200OtherPage}  → sent again by a later page`);
  log(`    200, sent again by the same page                 ${w.after200SamePage}`);
  log(`    still in flight (answer not back yet)            ${w.whileInFlight}`);
  log(`    never answered                                   ${w.neverAnswered}`);
  log(`    (a 200 then a re-send: median ${ms(r.after200GapMs.p50)} between them)`);
  if (VERBOSE) log(`  ms per action: ${list(r.msPerAction)}`);
  if (r.storedNotSeenQueued) log(`  stored but not seen queued: ${r.storedNotSeenQueued} (${r.storedNotSeenTypes.join(', ')}: their console output was missed)`);
  if (r.problems.consoleMissed) log(`  queued events seen only through the localStorage copy (console missed): ${r.problems.consoleMissed}`);
  if (r.problems.unreadable) log(`  events whose id could not be read: ${r.problems.unreadable}`);
  if (r.problems.snippetErrors.length) log(`  [depict] errors: ${r.problems.snippetErrors.join(' | ')}`);
  if (r.problems.pageErrors.length) log(`  page errors: ${r.problems.pageErrors.join(' | ')}`);
  for (const d of r.lostDetails.slice(0, 5))
    log(`  lost: ${d.type} queued at ${Math.round(d.t)} ms on ${d.url?.replace(/^https?:\/\/[^/]+/, '')}; sends: ${d.sends.join(', ') || 'none'}`);
}

// ---------------------------------------------------------------------------- main
const t0 = Date.now();
let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
    // Playwright turns the back/forward cache off; shoppers' browsers have it. On, every
    // navigation costs a new renderer process here, which about doubles the run's time.
    ignoreDefaultArgs: BFCACHE ? ['--disable-back-forward-cache'] : [],
  });
  log(`Reliability bench: seed ${SEED}; ${PASSES.map((p) => `${p} ${p == 'faulty' ? JOURNEYS : HEALTHY} journeys`).join(', ')}; ` +
    `${CONTEXTS} browser contexts; dwell ${DWELL_MIN}-${DWELL_MAX} ms; back/forward cache ${BFCACHE ? 'on' : 'off'}`);
  const results = [];
  for (const name of PASSES) {
    const r = await pass(browser, name);
    results.push(r);
    print(r);
  }
  await browser.close();

  const bad = results.filter((r) => r.lost || r.duplicatesStored);
  log('');
  log('Targets');
  for (const r of results) {
    const ok = (b) => (b ? 'ok  ' : 'MISS');
    log(`  ${r.pass.padEnd(8)} ${ok(!r.lost)} 0 lost (${r.lost})   ${ok(!r.duplicatesStored)} 0 stored twice (${r.duplicatesStored})   ` +
      `${ok(r.sendsPerEvent <= TARGETS.sendsPerEvent)} ≤ ${TARGETS.sendsPerEvent} sends per event (${r.sendsPerEvent.toFixed(2)})` +
      (r.pass == 'healthy' ? `   ${ok(r.latencyMs.p95 <= TARGETS.p95HealthyMs)} p95 ≤ 2 s (${ms(r.latencyMs.p95)})` : ''));
  }
  log(`${bad.length ? 'FAIL' : 'PASS'}: ${bad.length ? 'events lost or stored twice' : 'nothing lost, nothing stored twice'} (${((Date.now() - t0) / 1000) | 0} s)`);
  if (JSON_OUT) console.log(JSON.stringify(results, null, 2));
  process.exitCode = bad.length ? 1 : 0;
} catch (e) {
  console.error('reliability bench failed:', e);
  await browser?.close().catch(() => {});
  process.exitCode = 2;
}
