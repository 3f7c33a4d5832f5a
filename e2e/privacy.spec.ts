// What the README's Privacy section promises, in a real browser against the collector:
// consent pending / refused, Global Privacy Control and Do Not Track, no cookies, only the
// documented storage keys, and URLs stripped of e-mail addresses and tokens.
import { expect, test } from './test';
import type { Page } from '@playwright/test';
import { BASE, WIDGET_CARD, faults, fixture, ofType, queued, ready, stats, stored, tenantOf, useTenant, waitForEvents, type Stored } from './helpers';

/** Every request the page makes to the API endpoint. */
function watchSends(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (r) => r.url().includes('/create-events') && sent.push(`${r.method()} ${r.url()}`));
  return sent;
}

/** What the page has stored: localStorage and sessionStorage keys, IndexedDB databases, cookies. */
const storage = (page: Page) =>
  page.evaluate(async () => ({
    local: Object.keys(localStorage).sort(),
    session: Object.keys(sessionStorage).sort(),
    dbs: (await indexedDB.databases()).map((d) => d.name).sort(),
    cookie: document.cookie,
  }));
const NOTHING = { local: [], session: [], dbs: [], cookie: '' };

const call = (page: Page, js: string) => page.evaluate(js);

const SHOP = WIDGET_CARD;

/** Every kind of event, automatic and by API: click, add to cart, an impression (a card in
 * view for a second), track(), purchase(), then a flush. */
async function everything(page: Page, tx = 'T-PRIV') {
  await page.click('#card');
  await page.click('#atc');
  await call(page, `depict.track('click', {product_id: 'by-track'})`);
  await call(page, `depict.purchase({transaction_id: '${tx}', currency: 'SEK', items: [{product_id: 'p1', price: 10}]})`);
  // the impression is due 1 s after the card came into view: a timer of the page's own, set
  // after the snippet's (a frame later), fires after it however late a busy machine runs both
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 1000)))));
  await call(page, 'depict.flush()');
}

const types = (events: Stored[]) => [...new Set(events.map((e) => e.type))].sort();

test.describe('consent', () => {
  test('pending: nothing stored, nothing sent, for every kind of event; consent(true) then sends them all', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const sent = watchSends(page);
    await fixture(page, tenant, SHOP, { attrs: 'data-consent="pending"' });
    await everything(page);
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent).toEqual([]);
    expect(await stored(request, tenant)).toEqual([]);

    await call(page, 'depict.consent(true)');
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'purchase').length == 1 && ofType(e, 'element_visible').length == 1);
    expect(types(events)).toEqual(['add_to_cart', 'click', 'element_visible', 'page_view', 'purchase', 'recommendations_inserted']);
    // what was kept in memory, attribution included, is what is sent
    expect(ofType(events, 'add_to_cart')[0]).toMatchObject({ product_id: 'p1', recommendation_id: 'r1', attribution_id: 'recommendation' });
    expect(ofType(events, 'click').map((e) => e.product_id).sort()).toEqual(['by-track', 'p1']);
    const after = await storage(page);
    expect(after.local).toEqual(['depict_attr', 'depict_session']);
    expect(after.cookie).toBe('');
  });

  test("pending on every page, as the README says, with consent given after the snippet started: the shopper's session and attribution from earlier pages carry on", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // an earlier page, consent given: a click on a recommended product
    await fixture(page, tenant, SHOP, { attrs: 'data-capture="page_view click"' });
    await page.click('#card');
    const first = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1);
    const session = first[0].session_id;
    // the next page holds back until the consent tool answers (after the snippet started)
    await fixture(page, tenant, '<article data-depict-product-id="p2" data-depict-search-result-id="s2"><a id="p2" href="#p2">p2</a></article>', {
      url: `${BASE}/fixture?page=2`,
      attrs: 'data-consent="pending" data-capture="page_view click"',
    });
    await page.waitForFunction(() => (window as any).depict?.loaded);
    await page.click('#p2');
    await call(page, `depict.purchase({transaction_id: 'T-C', currency: 'SEK', items: [{product_id: 'p1', price: 10}]})`);
    await call(page, 'depict.consent(true)');
    const all = await waitForEvents(request, tenant, (e) => e.length == 5);
    expect(all.map((e) => e.session_id)).toEqual(Array(5).fill(session));
    expect(ofType(all, 'purchase')[0]).toMatchObject({ product_id: 'p1', recommendation_id: 'r1', attribution_id: 'recommendation' });
    // and the clicks of both pages are remembered for the pages after it
    const attr = await page.evaluate(() => JSON.parse(localStorage.depict_attr));
    expect(Object.keys(attr).sort()).toEqual(['p1', 'p2']);
    expect(await page.evaluate(() => localStorage.depict_session.split('.')[0])).toBe(session);
  });

  test('pending on every page: the copy of unsent events that the last page left stays untouched until consent, then is sent', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const left = { tenant, market: 'se', type: 'add_to_cart', deduplication_id: 'left-behind-1', product_id: 'p9' };
    // what a page that was left before its IndexedDB write committed leaves in localStorage
    await page.goto(`${BASE}/events?tenant=-`);
    await page.evaluate((e) => localStorage.setItem('depict_unsent', JSON.stringify([e])), left);
    await fixture(page, tenant, '', { attrs: 'data-consent="pending" data-capture="page_view"' });
    await page.waitForFunction(() => (window as any).depict?.loaded);
    expect(await page.evaluate(() => localStorage.getItem('depict_unsent'))).toContain('left-behind-1');
    await call(page, 'depict.consent(true)');
    const all = await waitForEvents(request, tenant, (e) => e.length == 2);
    expect(all.map((e) => e.deduplication_id)).toContain('left-behind-1');
    await expect.poll(() => page.evaluate(() => localStorage.getItem('depict_unsent'))).toBe(null);
  });

  test('consent given while the API is down: what the last page left is stored in IndexedDB, not held only in the tab, which a crash would lose', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const left = { tenant, market: 'se', type: 'add_to_cart', deduplication_id: 'left-behind-2', product_id: 'p9' };
    await page.goto(`${BASE}/events?tenant=-`);
    await page.evaluate((e) => localStorage.setItem('depict_unsent', JSON.stringify([e])), left);
    await faults(request, tenant, { status: 503, retryAfter: 600 });
    await fixture(page, tenant, '', { attrs: 'data-consent="pending" data-capture="page_view"' });
    await page.waitForFunction(() => (window as any).depict?.loaded);
    await call(page, 'depict.consent(true)');
    // the send that consent starts has failed: what the tab holds is what it has stored
    await expect.poll(async () => (await stats(request, tenant)).faulted).toBeGreaterThan(0);
    // the copy is gone once the queue holds its event: in IndexedDB, beside the page view
    await expect.poll(() => page.evaluate(() => localStorage.getItem('depict_unsent'))).toBe(null);
    const ids = (await queued(page, 2)).map((e) => e.deduplication_id);
    expect(ids).toContain('left-behind-2');
  });

  test('pending, then consent(false): nothing is ever sent or stored, and later calls send nothing', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const sent = watchSends(page);
    await fixture(page, tenant, SHOP, { attrs: 'data-consent="pending"' });
    await page.click('#card');
    await call(page, `depict.track('add_to_cart', {product_id: 'p1'})`);
    await call(page, 'depict.consent(false)');
    await everything(page);
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent).toEqual([]);
    expect(await stored(request, tenant)).toEqual([]);
  });

  test("pending, then consent('denied'), consent('false'), consent(1), consent(): ignored with one warning; consent(true) still sends all", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const sent = watchSends(page);
    const warnings: string[] = [];
    page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
    await fixture(page, tenant, SHOP, { attrs: 'data-consent="pending" data-capture="page_view click"' });
    await page.click('#card');
    for (const arg of ["'denied'", "'false'", '1', '']) await call(page, `depict.consent(${arg})`);
    await call(page, `depict.track('add_to_cart', {product_id: 'p1'})`);
    await call(page, 'depict.flush()');
    expect(warnings).toEqual([expect.stringMatching(/^\[depict\] consent\(\) ignored: not true or false/)]);
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent).toEqual([]);
    // nothing was granted, and nothing kept in memory was lost
    await call(page, 'depict.consent(true)');
    const events = await waitForEvents(request, tenant, (e) => e.length == 3);
    expect(types(events)).toEqual(['add_to_cart', 'click', 'page_view']);
  });

  test('data-consent="pending" on the tag and `consent: undefined` in window.depictConfig (a consent tool not loaded yet): still pending', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const sent = watchSends(page);
    await fixture(page, tenant, SHOP, {
      attrs: 'data-consent="pending" data-capture="page_view click"',
      head: '<script>window.depictConfig = { consent: window.cmpState, debug: null };</script>',
    });
    await page.click('#card');
    await call(page, 'depict.flush()');
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent).toEqual([]);
    await call(page, 'depict.consent(true)');
    expect(types(await waitForEvents(request, tenant, (e) => e.length == 2))).toEqual(['click', 'page_view']);
  });

  // The snippet stores nothing after a refusal, not even the refusal: remembering it is the
  // consent tool's job, and on every page the page must again say data-consent="pending"
  // (or call depict.consent(false), through the stub, before or as the snippet loads).
  test('after a refusal the snippet remembers nothing: the next page must say pending or consent(false) again', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const sent = watchSends(page);
    // granted, tracked, then refused: queue and storage are deleted
    await fixture(page, tenant, SHOP);
    await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
    await call(page, 'depict.consent(false)');
    await expect.poll(() => storage(page)).toEqual(NOTHING);
    const before = sent.length;

    // 1. reloaded with data-consent="pending": nothing stored or sent
    await fixture(page, tenant, SHOP, { attrs: 'data-consent="pending"' });
    await page.reload();
    await everything(page, 'T-RELOAD-1');
    expect(await storage(page)).toEqual(NOTHING);

    // 2. the page calls depict.consent(false) through the stub before the snippet runs
    await page.addInitScript(() => {
      const w = window as any;
      w.depict = { q: [['consent', [false]]] };
      'track set page purchase consent flush debug'.split(' ').forEach((m) => (w.depict[m] ||= (...a: unknown[]) => w.depict.q.push([m, a])));
    });
    await fixture(page, tenant, SHOP);
    await everything(page, 'T-RELOAD-2');
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent.slice(before)).toEqual([]);
    expect(ofType(await stored(request, tenant), 'page_view')).toHaveLength(1);
  });

  test('a page that says neither after a refusal is tracked again (documented: consent is the page\'s to remember)', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, SHOP, { attrs: 'data-consent="pending"' });
    await call(page, 'depict.consent(false)');
    await page.reload();
    await fixture(page, tenant, SHOP);
    await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
  });
});

test.describe('browser privacy signals', () => {
  const gpc = (page: Page) =>
    page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true }));
  const dnt = (page: Page) =>
    page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true }));

  test('Global Privacy Control: nothing stored or sent; consent(true) tracks from then on', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await gpc(page);
    const sent = watchSends(page);
    await fixture(page, tenant, SHOP);
    expect(await page.evaluate(() => (navigator as any).globalPrivacyControl)).toBe(true);
    await everything(page);
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent).toEqual([]);
    // an explicit opt-in on the shop's banner wins; what happened before it was not kept
    await call(page, 'depict.consent(true)');
    await call(page, `depict.track('click', {product_id: 'after-opt-in'})`);
    await waitForEvents(request, tenant, (e) => e.length > 0);
    await call(page, 'depict.flush()');
    expect((await stored(request, tenant)).map((e) => [e.type, e.product_id])).toEqual([['click', 'after-opt-in']]);
  });

  test('Global Privacy Control with a data-privacy-signals that does not name it (a typo, "gcp"; "dnt"; "both"): still honoured', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await gpc(page);
    const sent = watchSends(page);
    for (const signals of ['gcp', 'dnt', 'both']) {
      await fixture(page, tenant, SHOP, { attrs: `data-privacy-signals="${signals}"` });
      await everything(page);
    }
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent).toEqual([]);
  });

  test('Global Privacy Control with data-privacy-signals="none": tracked', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await gpc(page);
    await fixture(page, tenant, SHOP, { attrs: 'data-privacy-signals="none"' });
    await page.click('#card');
    await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1 && ofType(e, 'click').length == 1);
  });

  test('Do Not Track: not tracked with data-privacy-signals="gpc dnt"; tracked by default (gpc only)', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await dnt(page);
    const sent = watchSends(page);
    await fixture(page, tenant, SHOP, { attrs: 'data-privacy-signals="gpc dnt"' });
    expect(await page.evaluate(() => navigator.doNotTrack)).toBe('1');
    await everything(page);
    expect(await storage(page)).toEqual(NOTHING);
    expect(sent).toEqual([]);

    await fixture(page, tenant, SHOP);
    await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
  });
});

test.describe('storage', () => {
  test('a whole demo-shop journey: no cookie anywhere, only the documented keys and database', async ({ page, context, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant);
    const setCookies: string[] = [];
    const cookieHeaders: string[] = [];
    page.on('response', async (r) => {
      const v = await r.headerValue('set-cookie').catch(() => null);
      if (v) setCookies.push(`${r.url()}: ${v}`);
    });
    page.on('request', async (r) => {
      const v = await r.headerValue('cookie').catch(() => null);
      if (v) cookieHeaders.push(`${r.url()}: ${v}`);
    });

    await page.goto('/');
    const card = page.getByTestId('recs-home').getByTestId('product-card').nth(1);
    await card.getByTestId('card-link').click();
    await page.waitForURL(/product/);
    await ready(page);
    await page.getByTestId('add-to-cart').click();
    await page.goto('/category.html');
    await page.getByTestId('filter-dresses').click();
    await page.goto('/search.html?q=dress');
    await page.goto('/cart.html');
    await page.getByTestId('checkout').click();
    await expect(page.getByTestId('order-id')).toBeVisible();
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'purchase').length >= 1 && ofType(e, 'add_to_cart').length == 1);
    expect(types(events)).toEqual(expect.arrayContaining(['add_to_cart', 'click', 'page_view', 'purchase', 'recommendations_inserted']));

    expect(await context.cookies()).toEqual([]);
    expect(setCookies).toEqual([]);
    expect(cookieHeaders).toEqual([]);
    const s = await storage(page);
    expect(s.cookie).toBe('');
    expect(s.session).toEqual([]);
    // the snippet's two keys, and the demo shop's own cart and last order
    expect(s.local.filter((k) => !['demo_cart', 'demo_last_order'].includes(k))).toEqual(['depict_attr', 'depict_session']);
    expect(s.dbs.every((d) => d == 'depict')).toBe(true);
    expect(await page.evaluate(async () => [await caches.keys(), (await navigator.serviceWorker?.getRegistrations())?.length ?? 0])).toEqual([[], 0]);
  });
});

test.describe('URLs are cleaned', () => {
  const params = (url: string) => [...new URL(url).searchParams.keys()];

  test('url, document_referrer and a product link\'s page_url lose email and Token, keep utm_source and the fragment', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<article data-depict-product-id="p1"><a id="card" href="/fixture?page=2&email=a@b.c&utm_source=y&TOKEN=2">p1</a></article>`, {
      url: `${BASE}/fixture?email=a@b.c&utm_source=x&Token=1#frag`,
    });
    await waitForEvents(request, tenant, (e) => e.length == 1);
    await page.click('#card');
    await page.waitForURL(/page=2/);
    // a client-side navigation: its referrer is the previous URL
    await page.evaluate(() => history.pushState(null, '', '/fixture?page=3&phone=123&utm_medium=m'));
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 3 && ofType(e, 'click').length == 1);
    const [first, second, third] = ofType(events, 'page_view');
    const [click] = ofType(events, 'click');

    expect(first.url).toBe(`${BASE}/fixture?utm_source=x#frag`);
    expect(click.url).toBe(`${BASE}/fixture?utm_source=x#frag`);
    expect(click.page_url).toBe(`${BASE}/fixture?page=2&utm_source=y`);
    expect(second.url).toBe(`${BASE}/fixture?page=2&utm_source=y`);
    // the browser's referrer is the full previous URL (same origin), stripped by the snippet
    expect(second.document_referrer).toBe(`${BASE}/fixture?utm_source=x`);
    expect(third.url).toBe(`${BASE}/fixture?page=3&utm_medium=m`);
    expect(third.document_referrer).toBe(`${BASE}/fixture?page=2&utm_source=y`);
    const all = JSON.stringify(events.map(({ url, document_referrer, page_url }) => [url, document_referrer, page_url]));
    expect(all).not.toMatch(/email|token|phone|a@b|a%40b/i);
  });

  test('data-strip-params replaces the list (an e-mail address goes whatever the list)', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '', { url: `${BASE}/fixture?email=x&utm_source=x&Token=1&to=a@b.c#frag`, attrs: 'data-strip-params="utm_source"' });
    const [e] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(params(e.url)).toEqual(['email', 'Token']);
    expect(new URL(e.url).hash).toBe('#frag');
  });

  test("WooCommerce's order-received page: its order key and Stripe's client secret reach neither its events nor the next page's referrer", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // Stripe's redirect payment methods (3-D Secure, iDEAL) come back to the page with these
    await page.route(`${BASE}/shop/`, (route) =>
      route.fulfill({ contentType: 'text/html', body: `<script async src="${BASE}/depict.js" data-tenant="${tenant}" data-market="se" data-api-key="k" data-endpoint="${BASE}/create-events" data-batch-ms="50"></script>` }),
    );
    await fixture(
      page,
      tenant,
      `<script type="application/json" data-depict-purchase>{"transaction_id": "1234", "currency": "SEK", "items": [{"product_id": "101", "price": "45,00"}]}</script>
<a id="home" href="/shop/">Continue shopping</a>`,
      { url: `${BASE}/checkout/order-received/1234/?key=wc_order_abc123&payment_intent=pi_3Abc&payment_intent_client_secret=pi_3Abc_secret_XyZ&redirect_status=succeeded` },
    );
    await waitForEvents(request, tenant, (e) => ofType(e, 'purchase').length == 1);
    await page.click('#home');
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2);
    const order = `${BASE}/checkout/order-received/1234/?payment_intent=pi_3Abc&redirect_status=succeeded`;
    expect(ofType(events, 'purchase')[0].url).toBe(order);
    expect(ofType(events, 'page_view').map((e) => [e.url, e.document_referrer])).toEqual([
      [order, null],
      [`${BASE}/shop/`, order],
    ]);
  });

  test("Shopify's order status page /<shop>/orders/<token>?key=…: neither the token nor the key is sent", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '', { url: `${BASE}/5678901234/orders/b1946ac92492d2347c6235b4d2611184?key=7f3e9a1b2c4d5e6f` });
    const [e] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(e.url).toBe(`${BASE}/5678901234/orders/redacted`);
  });

  test('a password reset link (*_token), and an e-mail address under any name, are not sent', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '', {
      url: `${BASE}/users/password/edit?reset_password_token=Zx81kQ&customerEmail=jane%40doe.com&utm_term=jane@doe.com&utm_source=mail`,
    });
    const [e] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(e.url).toBe(`${BASE}/users/password/edit?utm_source=mail`);
  });

  // a SPA route in the fragment keeps its route; only its query is cleaned
  test('a token in a SPA route in the fragment (#/reset?token=…) is stripped too', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '', { url: `${BASE}/fixture?utm_source=x#/reset?token=abc&step=2` });
    const [e] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(e.url).toBe(`${BASE}/fixture?utm_source=x#/reset?step=2`);
  });

  // for an endpoint on the shop's own origin (a first-party proxy, or this collector) the
  // Referer header would carry the full page URL: the snippet sends the origin only
  test('the request that carries the events does not leak the stripped parameters in its Referer', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '', { url: `${BASE}/fixture?email=a@b.c&utm_source=x&Token=1` });
    const [e] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(e.url).toBe(`${BASE}/fixture?utm_source=x`);
    expect(e._referer ?? '').not.toMatch(/email|token/i);
  });
});
