import { expect, test } from './test';
import { holdLock, holdStore } from './page-scripts.mjs';
import { readFileSync } from 'node:fs';
import type { APIRequestContext, Page } from '@playwright/test';
import { BASE, WIDGET_CARD, expectOnlyNamedEventDropped, faults, fixture, ofType, queued, ready, stats, stored, tenantOf, useTenant, waitForEvents, withoutNavigationApi } from './helpers';

/** The two-line pre-load stub, as the README prints it. */
const STUB = /two-line stub[\s\S]*?```html\n<script>\n([\s\S]*?)<\/script>/.exec(readFileSync('README.md', 'utf8'))![1];

const COMMON = ['tenant', 'market', 'type', 'deduplication_id', 'url', 'document_width', 'session_id'];

test('a page view arrives with every common field, once', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '<h1>hello</h1>', { url: `${BASE}/fixture?x=1` });
  const [pv] = await waitForEvents(request, tenant, (e) => e.length >= 1);
  for (const f of COMMON) expect(pv[f], f).toBeTruthy();
  expect(pv).toMatchObject({ tenant, market: 'se', type: 'page_view', url: `${BASE}/fixture?x=1` });
  expect(pv.document_width).toBe(String(await page.evaluate(() => innerWidth)));
  expect(pv.deduplication_id).toMatch(/^[0-9a-f-]{36}$/);
  await page.evaluate(() => (window as any).depict.flush());
  expect(await stored(request, tenant)).toHaveLength(1);
});

test("a page view on a URL over 2,048 characters (a listing's many filters) carries its url, as the page's other events do", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const filters = (n: number) => Array.from({ length: n }, (_, i) => `filter.v.option.color=Colour${i}`).join('&');
  const long = `${BASE}/fixture?${filters(90)}`;
  await fixture(page, tenant, '', { url: long });
  await ready(page);
  // and a client-side navigation to a longer one (a filter added)
  await page.evaluate((q) => history.pushState({}, '', '?' + q), filters(91));
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'p1' }));
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2 && ofType(e, 'click').length == 1);
  expect(long.length).toBeGreaterThan(2_048);
  expect(ofType(events, 'page_view').map((e) => e.url)).toEqual([long, `${BASE}/fixture?${filters(91)}`]);
  expect(ofType(events, 'page_view')[1].document_referrer).toBe(long);
  expect(ofType(events, 'click')[0].url).toBe(`${BASE}/fixture?${filters(91)}`);
});

test("set() with null, or '' (a template's logged-out customer), unsets a default", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '', { attrs: 'data-capture=""' });
  await ready(page);
  await page.evaluate(() => {
    const d = (window as any).depict;
    d.set({ user_id: 'customer-42', ab_test_group: 'B' });
    d.track('click', { product_id: 'p1' });
    d.set({ user_id: '' });
    d.track('click', { product_id: 'p2' });
    d.set({ ab_test_group: null });
    d.track('click', { product_id: 'p3' });
  });
  const clicks = ofType(await waitForEvents(request, tenant, (e) => e.length == 3), 'click');
  expect(clicks.map((e) => [e.product_id, e.user_id ?? null, e.ab_test_group ?? null])).toEqual([
    ['p1', 'customer-42', 'B'],
    ['p2', null, 'B'],
    ['p3', null, null],
  ]);
});

test('the session id is the same across pages', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '<a href="/fixture?page=2">next</a>');
  await page.waitForFunction(() => (window as any).depict?.loaded);
  await page.click('a');
  const events = await waitForEvents(request, tenant, (e) => e.length >= 2);
  expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
  expect(events[1].document_referrer).toBe(`${BASE}/fixture`);
});

test('track() sends an event with stringified numbers and the defaults from set()', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '');
  await page.evaluate(() => {
    const d = (window as any).depict;
    d.set({ user_id: 'u-7', ab_test_group: 'B' });
    d.track('add_to_cart', { product_id: 'p1', entity_price: 199.5, variant_ids: 'a, b' });
  });
  const [e] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length > 0), 'add_to_cart');
  expect(e).toMatchObject({ product_id: 'p1', entity_price: '199.5', variant_ids: ['a', 'b'], user_id: 'u-7', ab_test_group: 'B' });
});

test('bad calls warn once, throw nothing and send nothing', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // each warning's message, without the value given that follows it
  const warnings: Promise<unknown>[] = [];
  const errors: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.args()[0].jsonValue()));
  page.on('pageerror', (e) => errors.push(e.message));
  await fixture(page, tenant, '');
  await page.evaluate(() => {
    const d = (window as any).depict;
    d.track('nonsense');
    d.track('click', { product_id: { nested: true } });
    d.track('click', 'not an object');
    d.purchase({ transaction_id: 'T1', currency: 'SEK', items: [] });
    d.purchase({ transaction_id: 'T2', currency: 'SEK', items: [{ product_id: 'p', price: 'call us' }] });
    d.set('user_id', 'u1');
    d.set({ user: 'u1' });
    d.track('click', { product_id: 'ok-1' });
    return d.flush();
  });
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length > 0);
  expect(ofType(events, 'click').map((e) => e.product_id)).toEqual(['ok-1']);
  expect(ofType(events, 'click')[0].user_id).toBeUndefined();
  expect(errors).toEqual([]);
  // each names its problem
  expect(await Promise.all(warnings)).toEqual([
    expect.stringMatching(/^\[depict\] track\(\) not sent: unknown type "nonsense"; the types are page_view,/),
    "[depict] track('click') not sent: invalid product_id",
    "[depict] track('click') not sent: fields must be an object",
    '[depict] purchase() not sent: items is missing or invalid',
    '[depict] purchase() not sent: items[0].price is missing or invalid',
    '[depict] set() ignored: fields must be an object',
    '[depict] set() ignored: invalid or unknown user',
  ]);
});

for (const [name, head] of [
  ['throws', `<script>console.warn = () => { throw new Error('no warnings in production') }</script>`],
  ['is gone (a production build that keeps console.log only)', '<script>console = { log() {} }</script>'],
] as const)
  test(`a page whose console.warn ${name}: bad calls still throw nothing, and what is valid is sent`, async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await fixture(page, tenant, '', { head });
    const thrown = await page.evaluate(() => {
      const d = (window as any).depict;
      try {
        d.track('nonsense');
        d.track('click', 'not an object');
        d.set({ user: 'u1' });
        d.track('click', { product_id: 'ok-1' });
      } catch (e) {
        return String(e);
      }
    });
    expect(thrown).toBeUndefined();
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length > 0);
    expect(ofType(events, 'click').map((e) => e.product_id)).toEqual(['ok-1']);
    expect(errors).toEqual([]);
  });

test('a missing tenant is one console error and nothing is sent', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const errors: string[] = [];
  page.on('console', (m) => m.type() == 'error' && errors.push(m.text()));
  await page.route(`${BASE}/nokey`, (r) =>
    r.fulfill({
      contentType: 'text/html',
      body: `<script src="/depict.js" data-tenant="${tenant}" data-market="se" data-endpoint="/create-events"></script>`,
    }),
  );
  await page.goto(`${BASE}/nokey`);
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'x' }));
  expect(errors).toEqual([expect.stringContaining('data-api-key')]);
  expect(await stored(request, tenant)).toEqual([]);
});

test('a setting with a typo (data-consent="pendng", data-capture with "clicks") is one warning naming the values; the consent counts as not granted, until depict.consent(true)', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  await fixture(page, tenant, WIDGET_CARD, { attrs: 'data-consent="pendng" data-capture="page_view clicks"' });
  await ready(page);
  expect(warnings).toEqual(['[depict] data-consent or data-capture not understood: pendng,clicks']);
  await page.click('#card'); // clicks are off: nothing
  expect(await stored(request, tenant)).toEqual([]);
  await page.evaluate(() => (window as any).depict.consent(true));
  const events = await waitForEvents(request, tenant, (e) => e.length == 1);
  expect(events.map((e) => e.type)).toEqual(['page_view']);
  await page.evaluate(() => (window as any).depict.flush());
  expect(await stored(request, tenant)).toHaveLength(1);
});

test('data-consent="denied": nothing kept or sent, and no warning, until depict.consent(true)', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  await fixture(page, tenant, '', { attrs: 'data-consent="denied"' });
  await ready(page);
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'before' }));
  await page.evaluate(() => (window as any).depict.consent(true));
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'after' }));
  const events = await waitForEvents(request, tenant, (e) => e.length >= 1);
  await page.evaluate(() => (window as any).depict.flush());
  expect((await stored(request, tenant)).map((e) => e.product_id ?? e.type)).toEqual(['after']);
  expect(events).toHaveLength(1);
  expect(warnings).toEqual([]);
});

test('calls made through the pre-load stub are replayed in order', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '', {
    head: `<script>${STUB}
depict.set({ user_id: 'early' }); depict.track('add_to_cart', { product_id: 'p-early' });</script>`,
  });
  const events = await waitForEvents(request, tenant, (e) => e.length >= 2);
  expect(events.every((e) => e.user_id == 'early')).toBe(true);
  expect(ofType(events, 'add_to_cart')[0].product_id).toBe('p-early');
});

/** The README's stand-in for the earlier tracker's `dpq`, as it prints it. */
const DPQ = /### Coming from Depict's earlier tracker[\s\S]*?```js\n([\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))![1];

test("a theme's calls to Depict's earlier tracker (dpq), through the README's stand-in: its add to cart and its purchase are sent", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // as the earlier tracker's docs call it: a purchase's lines with item_id and quantity
  const order = { transaction_id: 'T-9', currency: 'EUR', items: [{ item_id: 'abc', price: 24.5, quantity: 2 }, { item_id: 1234, price: 0, quantity: 1 }] };
  await fixture(page, tenant, '', {
    head: `<meta name="depict-product-id" content="p-page"><script>${STUB}${DPQ}
dpq('addToCart', 'p-1'); dpq('purchase', ${JSON.stringify(order)}); dpq('setSessionId', 'theirs');</script>`,
    attrs: 'data-capture="page_view"',
  });
  const events = await waitForEvents(request, tenant, (e) => e.length == 4);
  expect(events.map((e) => [e.type, e.product_id, e.entity_price ?? null])).toEqual([
    ['add_to_cart', 'p-1', null],
    ['purchase', 'abc', '24.5'],
    ['purchase', '1234', '0'],
    ['page_view', 'p-page', null],
  ]);
  expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
});

test('the stub works on a page with an element whose id is "depict" (which the browser makes window.depict)', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // the element, the stub and the calls come before the snippet's tag
  await fixture(page, tenant, '', {
    head: `<div id="depict">recommended for you</div><script>${STUB}
depict.set({ user_id: 'early' }); depict.track('add_to_cart', { product_id: 'p-early' });</script>`,
  });
  const events = await waitForEvents(request, tenant, (e) => e.length >= 2);
  expect(events.every((e) => e.user_id == 'early')).toBe(true);
  expect(errors).toEqual([]);
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'p-late' }));
  await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'p-late'));
});

test("the stub's methods return a resolved promise: `.then` works, and nothing waits on a snippet that never loads", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // an ad blocker: the script never loads
  await page.route(`${BASE}/depict.js`, (route) => route.abort('blockedbyclient'));
  await fixture(page, tenant, '', {
    head: `<script>${STUB}
window.flushed = depict.flush().then(() => 'resolved');
window.tracked = depict.track('add_to_cart', { product_id: 'p-early' }).then(() => 'resolved');</script>`,
  });
  expect(await page.evaluate(() => Promise.all([(window as any).flushed, (window as any).tracked]))).toEqual(['resolved', 'resolved']);
  expect(await page.evaluate(() => (window as any).depict.q.length)).toBe(2);
  expect(errors).toEqual([]);
  expect(await stored(request, tenant)).toEqual([]);
});

test('only window.depict is added to the page', async ({ page }, info) => {
  await page.goto(`${BASE}/events`);
  const before: string[] = await page.evaluate(() => Object.keys(window));
  await fixture(page, tenantOf(info), '');
  await page.waitForFunction(() => (window as any).depict?.loaded);
  const after: string[] = await page.evaluate(() => Object.keys(window));
  // Playwright's Firefox driver (WebDriver BiDi) adds globals of its own, named __pw_*
  expect(after.filter((k) => !before.includes(k) && !k.startsWith('__pw_'))).toEqual(['depict']);
});

test('events tracked offline arrive after a reload', { tag: '@bidi-153' }, async ({ page, context, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '');
  await waitForEvents(request, tenant, (e) => e.length == 1);
  await context.setOffline(true);
  await page.evaluate(() => {
    for (let i = 0; i < 5; i++) (window as any).depict.track('click', { product_id: 'off-' + i });
  });
  // wait until all five are written to IndexedDB before leaving (the page view was sent)
  await queued(page, 5);
  await page.close();
  await context.setOffline(false);
  const again = await context.newPage();
  await fixture(again, tenant, '');
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 5);
  expect(ofType(events, 'click').map((e) => e.product_id).sort()).toEqual(['off-0', 'off-1', 'off-2', 'off-3', 'off-4']);
});

test('a 503 is retried with the same deduplication_id, and stored once', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // the first answer is lost after the events were stored; the second is a 503
  await faults(request, tenant, { storeThenFail: true, status: 503, count: 2, retryAfter: 0 });
  await fixture(page, tenant, '');
  // stored by the first request, again (a duplicate) by the second, then a third is answered 200
  await expect.poll(async () => (await stats(request, tenant)).requests, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
  const s = await stats(request, tenant);
  expect(s.duplicates).toBeGreaterThanOrEqual(1);
  expect(await stored(request, tenant)).toHaveLength(1);
});

test('a page closed right after track() still delivers', async ({ context, request }, info) => {
  const tenant = tenantOf(info);
  const page = await context.newPage();
  await fixture(page, tenant, '', { attrs: 'data-batch-ms="60000"' });
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'last-words' }));
  await page.close({ runBeforeUnload: true });
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1);
  expect(ofType(events, 'add_to_cart')[0].product_id).toBe('last-words');
});

/** The demo shop's listing, its events batched for a minute: only leaving the page, or
 * depict.flush(), sends anything. */
async function onCategory(page: Page, tenant: string): Promise<void> {
  await useTenant(page, tenant, { batchMs: 60_000 });
  await page.goto('/category.html');
  await ready(page);
}

/** From the category page to the first card's product page by its link; the product page
 * sends what is queued, and the events stored once both pages' views and the click are in. */
async function productLinkWalk(page: Page, request: APIRequestContext, tenant: string) {
  await onCategory(page, tenant);
  await page.getByTestId('product-card').first().getByTestId('card-link').click();
  await expect(page).toHaveURL(/product\.html/);
  await ready(page);
  await page.evaluate(() => (window as any).depict.flush());
  return waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2 && ofType(e, 'click').length == 1);
}

// what tells these navigations apart is the Navigation API's navigate event (the README says so)
test.describe('leaving for another page of the site', { tag: '@navigation-api' }, () => {
  test('a product link: the page left sends nothing, the next page sends both pages\' events in one request', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const posts: string[] = [];
    page.on('request', (r) => r.url().includes('/create-events') && posts.push(page.url()));
    await onCategory(page, tenant);
    await page.getByTestId('product-card').first().getByTestId('card-link').click();
    await expect(page).toHaveURL(/product\.html/);
    await ready(page);
    expect(posts).toEqual([]); // not at the click, not at pagehide
    await page.evaluate(() => (window as any).depict.flush());
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2 && ofType(e, 'click').length == 1);
    expect((await stats(request, tenant)).events_received).toBe(events.length); // each sent once
    expect(posts).toHaveLength(1);
  });

  test('localStorage full (the copy cannot be made): the page left sends its click itself', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // every write throws, as in a shop whose apps have filled the 5 MB (QuotaExceededError)
    await page.addInitScript(() => {
      Storage.prototype.setItem = () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    });
    const events = await productLinkWalk(page, request, tenant);
    expect(ofType(events, 'click').map((e) => e.product_id)).toEqual(['p-1001']);
  });

  test('a link a Navigation API router intercepts is no leaving: its events go at once, and no copy is left to send twice', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await page.addInitScript(() =>
      (window as any).navigation?.addEventListener('navigate', (e: any) => e.canIntercept && !e.hashChange && e.intercept({ handler: async () => {} })),
    );
    await fixture(page, tenant, '<article data-depict-product-id="p1"><a href="/fixture?p=1">P1</a></article>', { attrs: 'data-capture="page_view click"' });
    await waitForEvents(request, tenant, (e) => e.length == 1);
    await page.getByRole('link').click();
    await expect(page).toHaveURL(/p=1/);
    // not held back as if the page were being left (for 5 s; 4 s leaves a slow machine room)
    await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1 && ofType(e, 'page_view').length == 2, 4_000);
    await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.depict_unsent || '[]').length)).toBe(0);
    // every answer back in the page (stored is not yet answered): the reload's pagehide copies
    // what is still unanswered, and the next page would send it again, rightly
    await page.evaluate(() => (window as any).depict.flush());
    await page.reload();
    await ready(page);
    await page.evaluate(() => (window as any).depict.flush());
    await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 3);
    expect((await stats(request, tenant)).duplicates ?? 0).toBe(0);
  });

  test("the page's own replaceState while a link loads (an infinite scroll's ?page=) does not make the page being left send", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '<article data-depict-product-id="p1"><a href="/fixture?p=1">P1</a></article>', { attrs: 'data-capture="page_view click"' });
    await waitForEvents(request, tenant, (e) => e.length == 1);
    // the next page answers after 1.5 s; meanwhile the page rewrites its URL, 200 ms after the click
    await page.route(`${BASE}/fixture?p=1`, async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.fallback();
    });
    const sentFromOld: string[] = [];
    page.on('request', (r) => r.url().includes('/create-events') && r.frame().url().endsWith('/fixture?x=2') && sentFromOld.push(r.postData() || ''));
    await page.evaluate(() => document.querySelector('a')!.addEventListener('click', () => setTimeout(() => history.replaceState({}, '', '/fixture?x=2'), 200)));
    await page.getByRole('link').click();
    await expect(page).toHaveURL(/p=1/, { timeout: 10_000 });
    expect(sentFromOld).toEqual([]);
    // the next page sends the click
    await ready(page);
    await page.evaluate(() => (window as any).depict.flush());
    await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1);
  });

  test('a tab closed while the next page loads: its events are sent by the next page that opens', async ({ page, context, request }, info) => {
    const tenant = tenantOf(info);
    await onCategory(page, tenant);
    // the product page is slow: the tab is closed during the navigation, before pagehide
    await page.route('**/product.html*', (route) => setTimeout(() => route.abort().catch(() => {}), 10_000));
    await page.getByTestId('product-card').first().getByTestId('card-link').click({ noWaitAfter: true });
    // the page copied its events to localStorage as the navigation began (read from another
    // page of the site: one whose navigation is pending does not evaluate in Chromium); the
    // cards' element_visible too, on a machine slow enough that they were a second in view
    const next = await context.newPage();
    await next.goto(`${BASE}/events?tenant=-`);
    const copied = () =>
      next.evaluate(() => JSON.parse(localStorage.depict_unsent || '[]').map((e: any) => e.type).filter((t: string) => t != 'element_visible').join());
    await expect.poll(copied).toBe('page_view,click');
    await page.close();
    await next.goto('/cart.html');
    await ready(next);
    await next.evaluate(() => (window as any).depict.flush());
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1 && ofType(e, 'page_view').length == 2);
    expect(ofType(events, 'page_view').map((e) => e.url.split('/').pop()).sort()).toEqual(['cart.html', 'category.html']);
    // (and element_visible of the cards, where the closing page lived long enough to see them)
    expect(events.filter((e) => !['page_view', 'click', 'element_visible'].includes(e.type))).toEqual([]);
  });
});

// the same walks where no navigate event tells a link of the site from leaving it (Safari before
// 26.2, Firefox before 147): the page left sends at pagehide, and the next page sends its copy
// again; the API keeps one of each (the README, Browser support)
test.describe('leaving for another page of the site, without the Navigation API', () => {
  test('a product link: both pages may send the click, the API stores every event once', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await withoutNavigationApi(page);
    const events = await productLinkWalk(page, request, tenant);
    // the category page's click and page view reached the API at its pagehide, or from the
    // product page's copy, or both: stored once each, every event with its own id
    expect(ofType(events, 'page_view').map((e) => e.url.split('/').pop())).toEqual(['category.html', 'product.html?id=p-1001']);
    expect(ofType(events, 'click').map((e) => e.product_id)).toEqual(['p-1001']);
    expect(new Set(events.map((e) => e.deduplication_id)).size).toBe(events.length);
    expect((await stats(request, tenant)).stored).toBe(events.length);
    // nothing left behind to send a third time
    await queued(page, 0);
    expect(await page.evaluate(() => JSON.parse(localStorage.depict_unsent || '[]'))).toEqual([]);
  });

  test('a tab closed while the next page loads: its events are sent as it closes', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await withoutNavigationApi(page);
    await onCategory(page, tenant);
    // the product page never answers: the tab is closed during the navigation
    await page.route('**/product.html*', () => {});
    await page.getByTestId('product-card').first().getByTestId('card-link').click({ noWaitAfter: true });
    await page.close({ runBeforeUnload: true });
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1 && ofType(e, 'page_view').length == 1);
    expect(ofType(events, 'click')[0].product_id).toBe('p-1001');
  });
});

for (const locks of [true, false]) {
  test(`three tabs tracking at once deliver every event exactly once${locks ? '' : ', without Web Locks (Safari before 15.4): tabs may send the same event, the API keeps one'}`, async ({ context, request }, info) => {
    const tenant = tenantOf(info);
    if (!locks) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
    const pages = await Promise.all([0, 1, 2].map(() => context.newPage()));
    await Promise.all(pages.map((p) => fixture(p, tenant, '')));
    await Promise.all(
      pages.map((p, i) =>
        p.evaluate(async (i) => {
          for (let j = 0; j < 20; j++) {
            (window as any).depict.track('click', { product_id: `tab${i}-${j}` });
            await new Promise((r) => setTimeout(r, 5));
          }
        }, i),
      ),
    );
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length >= 60);
    await Promise.all(pages.map((p) => p.evaluate(() => (window as any).depict.flush())));
    const clicks = ofType(await stored(request, tenant), 'click');
    expect(clicks).toHaveLength(60);
    expect(new Set(clicks.map((e) => e.product_id)).size).toBe(60);
    expect(ofType(events, 'page_view')).toHaveLength(3);
    expect(await pages[0].evaluate(() => !!navigator.locks)).toBe(locks);
    // the collector keeps one of each, whatever it was sent: with Web Locks, one tab at a time
    // sends the shared queue, and nothing was sent twice
    if (locks) expect((await stats(request, tenant)).duplicates).toBe(0);
  });
}

test('a batch the API refuses with a 403 (a firewall, say) is dropped with a warning: it cannot hold up the batches after it', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  // the page's first request is refused: the oldest batch, which holds "first"
  await faults(request, tenant, { status: 403, count: 1 });
  await fixture(page, tenant, '', { attrs: 'data-capture="" data-batch-ms="60000"' });
  await page.evaluate(() => {
    const d = (window as any).depict;
    d.track('click', { product_id: 'first' });
    for (let i = 0; i < 60; i++) d.track('click', { product_id: 'ok-' + i });
    return d.flush();
  });
  const first = (await stored(request, tenant)).map((e) => e.product_id);
  expect(first).not.toContain('first');
  expect(first).toContain('ok-59');
  expect(warnings).toEqual([expect.stringMatching(/^\[depict\] the API answered 403 .*; the events are dropped/)]);
  // dropped: not sent again, by this page or the next
  await page.reload();
  await ready(page);
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'next' }));
  await page.evaluate(() => (window as any).depict.flush());
  const all = (await stored(request, tenant)).map((e) => e.product_id);
  expect(all).toContain('next');
  expect(all).not.toContain('first');
  expect(all).toHaveLength(new Set(all).size);
  expect((await stats(request, tenant)).faulted).toBe(1);
});

test.describe("a page whose fetch is wrapped (Sentry, an APM, the theme's own), or whose request hangs", () => {
  // the page view's request reaches the collector and gets no answer, or an error whose body
  // stops after its first bytes; depict.flush() must not wait for them
  for (const { what, fault, types } of [
    // the hung request is sent again, and its page view goes too
    { what: 'a request the API never answers', fault: { delayMs: 120_000 }, types: ['add_to_cart', 'page_view'] },
    // a 400 drops its batch, as one whose body cannot be read
    { what: 'a 400 whose body stops coming (a proxy that hangs mid-answer)', fault: { stallBody: true }, types: ['add_to_cart'] },
  ])
    test(`${what}: depict.flush() resolves within 15 s, and the events after it still go`, async ({ page, request }, info) => {
      test.setTimeout(60_000);
      const tenant = tenantOf(info);
      await faults(request, tenant, { ...fault, count: 1 });
      await fixture(page, tenant, '', { attrs: 'data-capture="page_view"' });
      await expect.poll(async () => (await stats(request, tenant)).faulted).toBe(1);
      await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'p1' }));
      const t0 = Date.now();
      await page.evaluate(() => (window as any).depict.flush());
      // 15 s after the stuck request began, and so before t0; the bound leaves room for a
      // loaded machine (Firefox once took 16.05 s), and is far below the 120 s of the delay
      expect(Date.now() - t0).toBeLessThan(25_000);
      const events = await waitForEvents(request, tenant, (e) => e.length == types.length);
      expect(events.map((e) => e.type).sort()).toEqual(types);
    });

  test('a wrapper that throws a TypeError before calling fetch (it expects a Headers object): the events go by sendBeacon', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await page.addInitScript(() => {
      const of = window.fetch;
      window.fetch = function (input: any, init: any) {
        if (String(input).includes('create-events')) init.headers.forEach(() => {});
        return of.apply(this, arguments as any);
      };
    });
    await fixture(page, tenant, '', { attrs: 'data-capture="page_view"' });
    await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'p1' }));
    const events = await waitForEvents(request, tenant, (e) => e.length == 2);
    expect(events.map((e) => e.type).sort()).toEqual(['add_to_cart', 'page_view']);
  });

  test('a wrapper that once answers with no Response: that batch is sent again by the page', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await page.addInitScript(() => {
      const of = window.fetch;
      (window as any).__calls = 0;
      window.fetch = function (input: any) {
        if (String(input).includes('create-events') && (window as any).__calls++ == 0) return undefined as any;
        return of.apply(this, arguments as any);
      };
    });
    await fixture(page, tenant, '', { attrs: 'data-capture="page_view"' });
    await page.waitForFunction(() => (window as any).__calls > 0);
    await page.evaluate(() => (window as any).depict.flush());
    const [e] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(e.type).toBe('page_view');
  });
});

test('without crypto.randomUUID (a page on plain http, Safari before 15.4): events still go, each with its own random id', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await page.addInitScript(() => Object.defineProperty(Crypto.prototype, 'randomUUID', { value: undefined }));
  await fixture(page, tenant, '', { attrs: 'data-capture="page_view"' });
  await page.evaluate(() => [1, 2, 3].forEach((i) => (window as any).depict.track('click', { product_id: 'p' + i })));
  const events = await waitForEvents(request, tenant, (e) => e.length == 4);
  for (const e of events) expect(e.deduplication_id).toMatch(/^[0-9a-f]{32}$/);
  expect(new Set(events.map((e) => e.deduplication_id)).size).toBe(4);
  expect(await page.evaluate(() => typeof crypto.randomUUID)).toBe('undefined');
});

test('a shop on MooTools (its Array.from ignores a map function, as Prototype.js 1.7 on Magento 1 does too): purchases and random ids are intact', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // the real library, from npm
  await page.route(`${BASE}/lib/mootools.js`, (route) => route.fulfill({ path: 'node_modules/mootools/lib/mootools-core-1.5.2-server.js', contentType: 'text/javascript' }));
  await page.addInitScript(() => Object.defineProperty(Crypto.prototype, 'randomUUID', { value: undefined }));
  const order = { transaction_id: 'T-1', currency: 'sek', items: [{ product_id: 'p1', price: '499.00' }, { product_id: 'p2', price: 10 }] };
  await fixture(page, tenant, `<script type="application/json" data-depict-purchase>${JSON.stringify(order)}</script>`, {
    head: `<script src="${BASE}/lib/mootools.js"></script>`,
    attrs: 'data-capture="purchase"',
  });
  expect(await page.evaluate(() => Array.from([1], (x: number) => x + 1)[0])).toBe(1); // MooTools' Array.from is in place
  await page.evaluate(() => (window as any).depict.purchase({ transaction_id: 'T-2', currency: 'SEK', items: [{ product_id: 'p3', price: 5 }] }));
  const events = await waitForEvents(request, tenant, (e) => e.length == 3);
  expect(events.map((e) => [e.type, e.product_id, e.entity_price, e.currency])).toEqual([
    ['purchase', 'p1', '499.00', 'SEK'],
    ['purchase', 'p2', '10', 'SEK'],
    ['purchase', 'p3', '5', 'SEK'],
  ]);
  expect(events.map((e) => e.deduplication_id)).toEqual([`${tenant}:se:T-1:0:p1`, `${tenant}:se:T-1:1:p2`, `${tenant}:se:T-2:0:p3`]);
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'p4' }));
  const [click] = ofType(await waitForEvents(request, tenant, (e) => e.length == 4), 'click');
  expect(click.deduplication_id).toMatch(/^[0-9a-f]{32}$/);
});

test('one order number in two markets of a tenant (a store per market, each numbering its orders from #1001) is two sales; a reload of either is none', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const block = (currency: string) =>
    `<script type="application/json" data-depict-purchase>${JSON.stringify({ transaction_id: '#1001', currency, items: [{ product_id: 'p1', price: 100 }] })}</script>`;
  await fixture(page, tenant, block('SEK'), { attrs: 'data-capture="purchase"' });
  await waitForEvents(request, tenant, (e) => e.length == 1);
  // the other store's thank-you page (window.depictConfig wins over the tag's data-market="se")
  await page.addInitScript(() => ((window as any).depictConfig = { market: 'no' }));
  await fixture(page, tenant, block('NOK'), { url: `${BASE}/fixture-no`, attrs: 'data-capture="purchase"' });
  await waitForEvents(request, tenant, (e) => e.length == 2);
  await page.reload();
  await ready(page);
  await page.evaluate(() => (window as any).depict.flush());
  expect((await stats(request, tenant)).duplicates).toBe(1);
  expect((await stored(request, tenant)).map((e) => [e.market, e.currency, e.deduplication_id])).toEqual([
    ['se', 'SEK', `${tenant}:se:#1001:0:p1`],
    ['no', 'NOK', `${tenant}:no:#1001:0:p1`],
  ]);
});

test("a shop on Prototype.js 1.6 (its Array.prototype.toJSON returns a string): the body is still a list, and variant_ids too", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // what Prototype.js 1.6.0.3 (Magento 1.4) does to arrays
  await page.addInitScript(() => {
    (Array.prototype as any).toJSON = function () {
      return '[' + this.map((x: unknown) => JSON.stringify(x)).join(', ') + ']';
    };
  });
  await fixture(page, tenant, '', { attrs: 'data-capture="page_view"' });
  expect(await page.evaluate(() => JSON.stringify([1]))).toBe('"[1]"'); // in place
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'p1', recommendation_id: 'r1' }));
  await waitForEvents(request, tenant, (e) => e.length == 2);
  // the attribution memory, stored by one page and read by the next
  await page.reload();
  await ready(page);
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'p1', variant_ids: ['v1', 'v2'] }));
  const [add] = ofType(await waitForEvents(request, tenant, (e) => e.length == 4), 'add_to_cart');
  expect(add).toMatchObject({ variant_ids: ['v1', 'v2'], recommendation_id: 'r1' });
});

test("a purchase block whose prices a theme printed as shops print them (Shopify's money_without_currency in Swedish: 1 299,00) is sent, with plain-number prices", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const order = { transaction_id: 'T-sv', currency: 'sek', items: [{ product_id: 'p1', price: '1\u00a0299,00' }, { product_id: 'p2', price: '499,00' }] };
  await fixture(page, tenant, `<script type="application/json" data-depict-purchase>${JSON.stringify(order)}</script>`, { attrs: 'data-capture="purchase"' });
  const events = await waitForEvents(request, tenant, (e) => e.length == 2);
  expect(events.map((e) => [e.product_id, e.entity_price, e.currency])).toEqual([
    ['p1', '1299.00', 'SEK'],
    ['p2', '499.00', 'SEK'],
  ]);
});

test('IndexedDB that throws: events are still delivered, from memory', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('blocked by the test', 'InvalidStateError');
    };
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await fixture(page, tenant, '');
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'mem' }));
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1);
  expect(ofType(events, 'page_view')).toHaveLength(1);
  expect(errors).toEqual([]);
});

test('IndexedDB whose open is rejected: events are still delivered', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      const req: any = {};
      setTimeout(() => req.onerror?.({ target: req }));
      Object.defineProperty(req, 'error', { value: new DOMException('no', 'UnknownError') });
      return req;
    };
  });
  await fixture(page, tenant, '');
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'rejected-open' }));
  await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1);
});

// What a page frozen in WebKit's or Firefox's back/forward cache can do to the site's other
// pages: keep a write transaction on the snippet's store open (every transaction of the
// snippet waits behind it), or keep the send lock. Another page of the site does it here.
for (const [name, hold, warning] of [
  ['IndexedDB that never answers (another page holds the store): delivered from memory after 3 s', holdStore, 'IndexedDB failed'],
  ['a send lock that another page never gives back: delivered all the same, after 3 s', holdLock, undefined],
] as const)
  test(name, async ({ page, context, request }, info) => {
    const tenant = tenantOf(info);
    const holder = await context.newPage();
    await holder.goto(`${BASE}/events?tenant=-`);
    await holder.evaluate(hold);
    const warnings: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await fixture(page, tenant, '');
    await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'held' }));
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1 && ofType(e, 'page_view').length == 1);
    expect(events).toHaveLength(2);
    if (warning) expect(warnings.filter((w) => w.includes(warning))).toHaveLength(1);
    expect(errors).toEqual([]);
  });

test('a 422 for one event of a batch drops that event only', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // a long batching delay, so the events wait in the queue until the test flushes them
  await fixture(page, tenant, '', { attrs: 'data-batch-ms="60000" data-capture=""' });
  await expectOnlyNamedEventDropped(page, request, tenant);
  await page.evaluate(() => (window as any).depict.flush());
  expect(await stored(request, tenant)).toHaveLength(2);
  // the rejected event is not sent again (the fault would refuse it again: the stored count
  // alone could not tell)
  expect(await queued(page, 0)).toEqual([]);
  expect((await stats(request, tenant)).rejected_batches).toBe(1);
});

test('a batch the API refuses for another reason (401: a wrong key) is kept, with one warning, and arrives from the next page', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await faults(request, tenant, { status: 401, count: 1 });
  const warnings: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  await fixture(page, tenant, '', { attrs: 'data-capture="page_view"' });
  await expect.poll(() => stats(request, tenant).then((s) => s.faulted)).toBe(1);
  await expect.poll(() => warnings).toEqual([expect.stringMatching(/^\[depict\] the API answered 401 .*; the events are kept/)]);
  expect(await stored(request, tenant)).toEqual([]);
  // the refused page view is still queued; the next page sends it with its own
  await page.reload();
  const events = await waitForEvents(request, tenant, (e) => e.length == 2);
  expect(ofType(events, 'page_view')).toHaveLength(2);
  await page.evaluate(() => (window as any).depict.flush());
  expect(await stored(request, tenant)).toHaveLength(2);
});

// Chrome prerenders pages the shopper may open next (speculation rules, with "moderate"
// eagerness on a hover; its own address bar): the page's scripts run, hidden, and the page may
// never be shown. Playwright turns Chromium's prerendering off (PrerenderingDisabledByDevTools),
// so the page says it is prerendering here as Chromium's would, and is shown by the event
// Chromium fires then. The snippet waits for that event: the test waits until it has added
// its three listeners for it (what earlier pages left, the page view, the widget), counted by
// an init script.
test('a page the browser prerenders: nothing of it is stored or sent until it is shown, then each event once; never shown, nothing at all, even after a consent tool said yes', async ({ context, request }, info) => {
  const tenant = tenantOf(info);
  const WIDGET = '<section data-depict-recommendation-type="similar"><article data-depict-product-id="p1"><a href="#p1">p1</a></article></section>';
  const prerendered = async (url: string, attrs = '') => {
    const page = await context.newPage();
    await page.addInitScript(() => {
      let pre = true;
      Object.defineProperty(document, 'prerendering', { get: () => pre });
      const w = window as any;
      w.__waiting = 0;
      const add = document.addEventListener;
      document.addEventListener = function (this: Document, type: string, ...rest: any[]) {
        if (type == 'prerenderingchange') w.__waiting++;
        return (add as any).call(this, type, ...rest);
      } as typeof add;
      w.__show = () => {
        pre = false;
        document.dispatchEvent(new Event('prerenderingchange'));
      };
    });
    await fixture(page, tenant, WIDGET, { url, attrs: attrs + ' data-capture="page_view recommendations_inserted"' });
    await page.waitForFunction(() => (window as any).__waiting == 3); // what was left, the page view, the widget
    await page.evaluate(() => (window as any).depict.flush());
    return page;
  };
  // shown: its events go then, once each
  const shown = await prerendered(`${BASE}/fixture?shown`);
  expect(await stored(request, tenant)).toEqual([]);
  await shown.evaluate(() => (window as any).__show());
  const events = await waitForEvents(request, tenant, (e) => e.length == 2);
  expect(events.map((e) => [e.type, e.url])).toEqual([
    ['page_view', `${BASE}/fixture?shown`],
    ['recommendations_inserted', `${BASE}/fixture?shown`],
  ]);
  // never shown (the shopper went elsewhere), with consent pending and the consent tool saying
  // yes meanwhile (it runs in the prerendered page too): the next page of the site sends
  // nothing of it
  const discarded = await prerendered(`${BASE}/fixture?discarded`, 'data-consent="pending"');
  await discarded.evaluate(() => (window as any).depict.consent(true));
  await discarded.evaluate(() => (window as any).depict.flush());
  await discarded.close({ runBeforeUnload: true });
  const next = await context.newPage();
  await fixture(next, tenant, '', { url: `${BASE}/fixture?next`, attrs: 'data-capture="page_view"' });
  await waitForEvents(request, tenant, (e) => e.length == 3);
  await next.evaluate(() => (window as any).depict.flush());
  expect((await stored(request, tenant)).map((e) => e.url)).toEqual([`${BASE}/fixture?shown`, `${BASE}/fixture?shown`, `${BASE}/fixture?next`]);
  expect((await stats(request, tenant)).events_received).toBe(3);
});
