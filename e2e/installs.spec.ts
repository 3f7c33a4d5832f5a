// Install paths and host pages the snippet must work with, beyond a script tag in a theme:
// Google Tag Manager's Custom HTML tags (the tag re-created by GTM, fired twice, the settings
// in window.depictConfig from another tag, the whole snippet pasted inline), Shopify Dawn's
// predictive search and quick-add modal, monitoring tools that wrap fetch and history (Sentry,
// Datadog RUM) or a fetch wrapper that breaks, and a strict Content-Security-Policy with
// Trusted Types. Each page is a small one of the test's own, served at the collector's origin;
// the snippet, the browser and the collector are real.
import { expect, test } from './test';
import type { APIRequestContext, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { BASE, WIDGET_CARD, ofType, ready, stats, stored, tenantOf, waitForEvents, withoutNavigationApi, type Stored } from './helpers';

type Served = string | { html: string; headers?: Record<string, string> };

/** Serves `pages` at their paths of the collector's origin (every other path goes to the
 * collector), and records the page's errors: uncaught exceptions and console errors. */
async function site(page: Page, pages: Record<string, Served>) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('console', (m) => m.type() == 'error' && errors.push(m.text()));
  await page.route(`${BASE}/**`, (route) => {
    const p = pages[new URL(route.request().url()).pathname];
    if (p === undefined) return route.fallback();
    const { html, headers = {} } = typeof p == 'string' ? { html: p } : p;
    return route.fulfill({ contentType: 'text/html', body: html, headers });
  });
  return errors;
}

/** The pre-load stub, as a shop pastes it: calls made before the snippet loads are queued. */
const STUB = `window.depict = window.depict && (depict.q || depict.loaded) ? depict : { q: [] };
'track set page purchase consent flush debug'.split(' ').forEach(function (m) { depict[m] = depict[m] || function () { depict.q.push([m, arguments]); return Promise.resolve(); }; });`;

/** The snippet's script tag, for `tenant`. */
const tag = (tenant: string) =>
  `<script async src="${BASE}/depict.js" data-tenant="${tenant}" data-market="se" data-api-key="k" data-endpoint="${BASE}/create-events" data-batch-ms="50"></script>`;

const doc = (head: string, body = '') => `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;

/** A string as a JS literal that is safe inside a <script>. */
const js = (v: string) => JSON.stringify(v).replace(/<\//g, '<\\/');

/** Sends a last page view and waits for it: anything the snippet sent twice, or sent from a
 * second copy of itself, has arrived by then. Returns every event stored for the tenant. */
async function last(page: Page, request: APIRequestContext, tenant: string): Promise<Stored[]> {
  await ready(page);
  await page.evaluate(() => (window as any).depict.page({ product_id: 'end' }));
  const all = await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'end'));
  return all.filter((e) => e.product_id != 'end');
}

/** Each event as its type and path (without the fragment), sorted: what a page sent, in an
 * order of no concern. */
const seen = (events: Stored[]) =>
  events
    .map((e) => {
      const u = new URL(e.url);
      return `${e.type} ${u.pathname}${u.search}`;
    })
    .sort();

test.describe("installed through Google Tag Manager's Custom HTML tag", () => {
  /** What GTM does with a Custom HTML tag: the HTML parsed in a detached element, then each
   * <script> re-created, with its attributes and its text copied, and appended to <body>. */
  const GTM = `
function gtmCustomHtml(html) {
  var div = document.createElement('div');
  div.innerHTML = 'A<div>' + html + '</div>';
  var inner = div.lastChild;
  while (inner.firstChild) {
    var n = inner.firstChild;
    inner.removeChild(n);
    if (n.nodeName == 'SCRIPT') {
      var s = document.createElement('script');
      for (var i = 0; i < n.attributes.length; i++) s.setAttribute(n.attributes[i].name, n.attributes[i].value);
      s.text = n.text;
      document.body.appendChild(s);
    } else document.body.appendChild(n);
  }
}`;

  test('a tag fired twice (on DOM Ready, then again on Window Loaded with other settings): one page view, the calls made through the stub sent once, all with the first settings', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const other = tenant + 'x';
    const errors = await site(page, {
      '/gtm': doc(
        `<script>${STUB}
depict.set({user_id: 'c-42'});
depict.track('add_to_cart', {product_id: 'p-stub', entity_price: 5});
${GTM}
document.addEventListener('DOMContentLoaded', function () { gtmCustomHtml(${js(tag(tenant))}); });
window.addEventListener('load', function () {
  gtmCustomHtml(${js(tag(other))});
  document.querySelector('script[data-tenant="${other}"]').onload = function () { window.secondCopyRan = true; };
});
</script>`,
        '<h1>gtm</h1>',
      ),
    });
    await page.goto(`${BASE}/gtm?utm_source=x`);
    // the second copy has run (and found the first one in place)
    await page.waitForFunction(() => (window as any).secondCopyRan);
    const all = await last(page, request, tenant);
    expect(all.map((e) => e.type).sort()).toEqual(['add_to_cart', 'page_view']);
    for (const e of all) {
      expect(e).toMatchObject({ tenant, market: 'se', user_id: 'c-42', url: `${BASE}/gtm?utm_source=x` });
      expect(e.session_id).toBeTruthy();
    }
    expect(ofType(all, 'add_to_cart')[0]).toMatchObject({ product_id: 'p-stub', entity_price: '5' });
    expect(await stored(request, other)).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('the settings in window.depictConfig (a tag of their own), the snippet loaded by another tag with createElement after the page loaded, without data-* attributes', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const errors = await site(page, {
      '/gtm': doc(
        `<script>
window.addEventListener('load', function () {
  // tag 1: the settings
  window.depictConfig = {tenant: '${tenant}', market: 'se', apiKey: 'k', endpoint: '${BASE}/create-events', batchMs: 50};
  // tag 2: the loader
  var s = document.createElement('script'); s.src = '${BASE}/depict.js'; document.head.appendChild(s);
});
</script>`,
        `<section data-depict-recommendation-type="similar"><article data-depict-product-id="p1" data-depict-recommendation-id="r1"><a href="#">p1</a></article></section>`,
      ),
    });
    await page.goto(`${BASE}/gtm`);
    // the card is seen after a second in view
    await waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').length > 0);
    const all = await last(page, request, tenant);
    expect(all.map((e) => [e.type, e.product_id ?? e.recommendation_type]).sort()).toEqual([
      ['element_visible', 'p1'],
      ['page_view', undefined],
      ['recommendations_inserted', 'similar'],
    ]);
    for (const e of all) expect(e).toMatchObject({ tenant, market: 'se', url: `${BASE}/gtm` });
    expect(errors).toEqual([]);
  });

  test('the whole snippet pasted into the tag (an inline script, its settings in data-* attributes on it)', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // (a "</script" in the code would end the inline script early)
    const code = readFileSync('dist/depict.js', 'utf8').replace(/\/\/# sourceMappingURL.*$/m, '').replace(/<\/script/gi, '<\\/script');
    const inline = `<script data-tenant="${tenant}" data-market="se" data-api-key="k" data-endpoint="${BASE}/create-events" data-batch-ms="50">${code}</script>`;
    const errors = await site(page, {
      '/gtm': doc(`<script>${GTM}
window.addEventListener('load', function () { gtmCustomHtml(${js(inline)}); });</script>`),
    });
    await page.goto(`${BASE}/gtm`);
    const all = await last(page, request, tenant);
    expect(all).toEqual([expect.objectContaining({ type: 'page_view', tenant, market: 'se', url: `${BASE}/gtm` })]);
    expect(errors).toEqual([]);
  });
});

test.describe("installed from the ES module, in a headless shop's bundle", () => {
  test("the depict.js tag that a tag manager adds after the bundle's init(): no second tracker, every event once, the theme's calls through the stub sent by the bundle's tracker, and no global but window.depict", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // the shop's bundle, built as a shop builds it: esbuild, the package's ES module
    const { default: esbuild } = await import('esbuild');
    const built = await esbuild.build({
      stdin: {
        contents: `import { init, track, flush } from './dist/esm/index.js';
init({ tenant: ${js(tenant)}, market: 'se', apiKey: 'k', endpoint: ${js(BASE + '/create-events')}, batchMs: 50, capture: 'page_view click' });
document.addEventListener('shop:end', () => {
  track('page_view', { product_id: 'end' });
  flush().then(() => document.dispatchEvent(new Event('shop:flushed')));
});`,
        resolveDir: process.cwd(),
      },
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2020',
    });
    const bundle = built.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
    const errors = await site(page, {
      '/shop': doc(
        `<script>${STUB}
depict.track('add_to_cart', {product_id: 'p-stub'});
window.before = Object.getOwnPropertyNames(window);</script><script>${bundle}</script>
<script>
window.addEventListener('load', function () {
  var s = document.createElement('script');
  s.src = '${BASE}/depict.js';
  s.onload = function () { window.tagRan = true; };
  Object.assign(s.dataset, {tenant: '${tenant}', market: 'se', apiKey: 'k', endpoint: '${BASE}/create-events', batchMs: '50', capture: 'page_view click'});
  document.head.appendChild(s);
});
</script>`,
        '<article data-depict-product-id="p1"><a id="card" href="#p1">p1</a></article>',
      ),
    });
    await page.goto(`${BASE}/shop`);
    await page.waitForFunction(() => (window as any).tagRan);
    await page.click('#card');
    // the bundle's flush, then window.depict's (a second tracker's, where the tag started one)
    await page.evaluate(async () => {
      await new Promise((done) => {
        document.addEventListener('shop:flushed', done);
        document.dispatchEvent(new Event('shop:end'));
      });
      await (window as any).depict?.flush();
    });
    const all = (await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'end'))).filter((e) => e.product_id != 'end');
    expect(all.map((e) => e.type).sort()).toEqual(['add_to_cart', 'click', 'page_view']);
    expect(await page.evaluate(() => (window as any).depict.loaded)).toBe(true);
    const added = await page.evaluate(() => Object.getOwnPropertyNames(window).filter((k) => !(window as any).before.includes(k)));
    // (the test's own, and Playwright's Firefox driver's, named __pw_*)
    expect(added.filter((k) => !['before', 'tagRan'].includes(k) && !k.startsWith('__pw_'))).toEqual([]);
    expect(errors).toEqual([]);
  });
});

test.describe('on a Shopify Dawn theme', () => {
  test('a predictive search result opened in a new tab, then an add to cart from the quick-add modal: the click carries the result link, the add to cart the price and the search it came from', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const errors = await site(page, {
      '/collections/all': doc(
        tag(tenant),
        `<predictive-search><input id="q"><div id="predictive-search-results"></div></predictive-search>
<div id="modal"></div>
<script>
document.getElementById('q').addEventListener('input', function () {
  document.getElementById('predictive-search-results').innerHTML =
    '<ul><li data-depict-product-id="9001" data-depict-search-result-id="sr-9001"><a href="/products/9001?_pos=1&_sid=abc&_ss=r" id="sr1">Tee</a></li></ul>';
});
function openQuickAdd() {
  document.getElementById('modal').innerHTML =
    '<quick-add-modal open><product-info data-depict-product-id="9001" data-depict-entity-price="19.99"><product-form><form><button type="submit" name="add" class="depict-add-to-cart" id="qa-add">Add to cart</button></form></product-form></product-info></quick-add-modal>';
  document.querySelector('#modal form').addEventListener('submit', function (e) { e.preventDefault(); });
}
</script>`,
      ),
    });
    await page.goto(`${BASE}/collections/all`);
    await ready(page);
    await page.fill('#q', 'tee');
    // Ctrl/Cmd-click: the result opens in a new tab, and this page stays
    await Promise.all([page.context().waitForEvent('page'), page.locator('#sr1').click({ modifiers: ['ControlOrMeta'] })]);
    await page.evaluate('openQuickAdd()');
    await page.click('#qa-add');
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1 && ofType(e, 'click').length == 1);
    expect(ofType(events, 'click')[0]).toMatchObject({ product_id: '9001', search_result_id: 'sr-9001', page_url: `${BASE}/products/9001?_pos=1&_sid=abc&_ss=r` });
    expect(ofType(events, 'add_to_cart')[0]).toMatchObject({ product_id: '9001', search_result_id: 'sr-9001', attribution_id: 'search', entity_price: '19.99' });
    expect(errors).toEqual([]);
  });
});

/** A shop page: a recommendation widget with a card (a product link within the page and an
 * add-to-cart button), and a button that navigates client-side (the theme's inline script,
 * with the nonce that the strict CSP allows). */
const SHOP = `${WIDGET_CARD}
<button id="nav">next</button>
<script nonce="n0nce">document.getElementById('nav').addEventListener('click', function () { history.pushState({}, '', '/spa/next?x=1'); });</script>`;

/**
 * A shopper on SHOP at /spa/start: clicks the card, adds it to the cart, sees it for a
 * second, goes to the next page client-side (where the widget and the card count again),
 * then the page tracks a click itself, which is waited for last: anything sent twice has
 * arrived by then. Returns every event stored for the tenant.
 */
async function shop(page: Page, request: APIRequestContext, tenant: string): Promise<Stored[]> {
  await ready(page);
  await page.click('#card');
  await page.click('#atc');
  await waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').length == 1);
  await page.click('#nav');
  await waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').length == 2);
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'by-track' }));
  return waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'by-track'));
}

/** What shop() sends. */
const SHOP_EVENTS = [
  'add_to_cart /spa/start',
  'click /spa/next?x=1',
  'click /spa/start',
  'element_visible /spa/next?x=1',
  'element_visible /spa/start',
  'page_view /spa/next?x=1',
  'page_view /spa/start',
  'recommendations_inserted /spa/next?x=1',
  'recommendations_inserted /spa/start',
];

test.describe('on a page whose monitoring tools wrap fetch and history', () => {
  /** Sentry's fetch and history instrumentation, in short: `fill(window, 'fetch', …)`. */
  const SENTRY = `window.__sentry = {fetch: 0, push: 0};
(function () { var of = window.fetch; window.fetch = function () { __sentry.fetch++; return of.apply(window, arguments).then(function (r) { return r; }, function (e) { throw e; }); };
var op = history.pushState; history.pushState = function () { __sentry.push++; return op.apply(this, arguments); }; })();`;
  /** Datadog RUM's: fetch, and pushState on History.prototype where history has no own one. */
  const DATADOG = `window.__dd = {fetch: 0, push: 0};
(function () { var of = window.fetch; window.fetch = function (input, init) { __dd.fetch++; var p = of.call(this, input, init); p.then(function () {}, function () {}); return p; };
var target = Object.prototype.hasOwnProperty.call(history, 'pushState') ? history : History.prototype;
var op = target.pushState; target.pushState = function () { __dd.push++; return op.apply(this, arguments); }; })();`;

  // without the Navigation API (Safari before 26.2) the snippet wraps pushState itself, between
  // the two tools' wrappers
  for (const navigationApi of [true, false])
    test(`Sentry's wrappers installed before the snippet, Datadog's after${navigationApi ? '' : ', no Navigation API'}: every event sent once, each wrapper sees the sends and the navigation once`, navigationApi ? { tag: '@navigation-api' } : {}, async ({ page, request }, info) => {
      const tenant = tenantOf(info);
      if (!navigationApi) await withoutNavigationApi(page);
      const errors = await site(page, {
        '/spa/start': doc(`<script>${SENTRY}</script>${tag(tenant)}`, SHOP + `<script>window.addEventListener('load', function () { ${DATADOG} });</script>`),
      });
      await page.goto(`${BASE}/spa/start`);
      const all = await shop(page, request, tenant);
      expect(seen(all)).toEqual(SHOP_EVENTS);
      expect((await stats(request, tenant)).events_received).toBe(all.length);
      expect(ofType(all, 'page_view').map((e) => [e.url, e.document_referrer])).toEqual([
        [`${BASE}/spa/start`, null],
        [`${BASE}/spa/next?x=1`, `${BASE}/spa/start#p1`],
      ]);
      const [sentry, dd] = await page.evaluate(() => [(window as any).__sentry, (window as any).__dd]);
      expect([sentry.push, dd.push]).toEqual([1, 1]);
      expect(sentry.fetch).toBeGreaterThan(0);
      expect(dd.fetch).toBeGreaterThan(0);
      expect(await page.evaluate(() => !!(window as any).navigation)).toBe(navigationApi);
      expect(errors).toEqual([]);
    });

  test('a fetch wrapper that throws an Error (not the TypeError of a network failure) for the API: the events go by sendBeacon', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const errors = await site(page, {
      '/shop': doc(
        `<script>window.fetch = function (input) { if (String(input).indexOf('create-events') >= 0) throw new Error('wrapper broke'); };</script>${tag(tenant)}`,
        SHOP,
      ),
    });
    await page.goto(`${BASE}/shop`);
    await ready(page);
    // every request to the API throws: only sendBeacon can deliver these
    await page.click('#atc');
    const all = await last(page, request, tenant);
    expect(all.filter((e) => e.type != 'element_visible').map((e) => e.type).sort()).toEqual(['add_to_cart', 'page_view', 'recommendations_inserted']);
    expect(errors).toEqual([]);
  });
});

test("under a strict Content-Security-Policy (scripts by nonce, Trusted Types required): every event arrives, with no violation and no error", { tag: '@bidi-153' }, async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const csp = "default-src 'self'; script-src 'self' 'nonce-n0nce'; connect-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'";
  const violations: string[] = [];
  await page.exposeFunction('__violation', (v: string) => violations.push(v));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) => (window as any).__violation(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`)),
  );
  const errors = await site(page, {
    '/spa/start': {
      html: doc(
        `<script nonce="n0nce">${STUB}
depict.set({user_id: 'u1'});</script>${tag(tenant)}`,
        SHOP +
          `<script type="application/json" data-depict-purchase>{"transaction_id": "T-CSP", "currency": "SEK", "items": [{"product_id": "p1", "price": 10}]}</script>`,
      ),
      headers: { 'content-security-policy': csp },
    },
  });
  await page.goto(`${BASE}/spa/start`);
  const all = await shop(page, request, tenant);
  expect(seen(all)).toEqual([...SHOP_EVENTS, 'purchase /spa/start'].sort());
  expect(all.every((e) => e.user_id == 'u1')).toBe(true);
  expect(errors).toEqual([]);
  // the policy is in force: a string assigned to innerHTML is refused, and the violation is
  // reported, after any that the snippet caused
  const refused = await page.evaluate(() => {
    try {
      document.body.innerHTML = '<p>no policy</p>';
      return 'assigned';
    } catch (e) {
      return (e as Error).name;
    }
  });
  expect(refused).toBe('TypeError');
  await expect.poll(() => violations).toEqual([expect.stringMatching(/^require-trusted-types-for /)]);
});
