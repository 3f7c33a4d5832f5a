// Shops whose pages change through a page-transition library, not a full page load nor a SPA
// framework's router: Hotwire Turbo Drive (Rails), htmx's hx-boost, Swup. Each fetches the
// next page's HTML and swaps it in; the real library (devDependencies) runs on a small shop
// of three pages: a listing (cards, a widget), and product pages (their <meta> product id, a
// widget of one card, an add-to-cart button). The snippet's tag is where shops put it.
//
// Swup, and htmx's and Turbo's back and forward, change the URL before the new page is in
// (Swup: then its out-animation, the fetch, the swap; htmx 4: the fetch of the page gone back
// to): the page view waits for the page (the first change to the DOM), so that it carries the
// new page's <meta> fields and the left page's cards are not counted in it.
import { expect, test } from './test';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { BASE, fixture, ofType, pathOf, ready, stats, stored, tenantOf, traverse, waitForEvents, withoutNavigationApi, type Stored } from './helpers';

type Lib = 'turbo' | 'htmx' | 'swup';
const LIB_FILE: Record<Lib, string> = {
  turbo: 'node_modules/@hotwired/turbo/dist/turbo.es2017-umd.js',
  htmx: 'node_modules/htmx.org/dist/htmx.js',
  swup: 'node_modules/swup/dist/Swup.umd.js',
};

const card = (p: string, id: string) =>
  `<article data-depict-product-id="${p}" ${id} style="height:40px"><a href="/t/${p}">${p}</a></article>`;

/** The page at /t/<name>: `list`, or a product `p<n>` whose widget shows p<n+1>. The
 * product's <meta> is in <head> for Turbo, which merges the new page's head; htmx's boost and
 * Swup swap the body or a container only, so there it is in the swapped part. */
function shopPage(lib: Lib, tenant: string, name: string, tag: 'head' | 'body', extra = ''): string {
  const script = `<script async src="${BASE}/depict.js" data-tenant="${tenant}" data-market="se" data-api-key="k"
    data-endpoint="${BASE}/create-events" data-batch-ms="50"></script>`;
  const n = +name.slice(1);
  const meta = n ? `<meta name="depict-product-id" content="${name}">` : '';
  const content = n
    ? `<h1 id="h">${name}</h1>${lib == 'turbo' ? '' : meta}
       <button id="atc" data-depict-event="add_to_cart">Add to cart</button>
       <section data-depict-recommendation-type="similar">${card('p' + (n + 1), `data-depict-recommendation-id="rec-${name}-${n + 1}"`)}</section>
       <a id="home" href="/t/list">home</a>`
    : `<h1 id="h">list</h1>
       <div id="grid">${[1, 2, 3].map((i) => card('p' + i, `data-depict-product-listing-result-id="plr-${i}"`)).join('')}</div>
       <section data-depict-recommendation-type="top">${card('p7', 'data-depict-recommendation-id="rec-list-7"')}</section>`;
  const body =
    lib == 'swup'
      ? `<main id="swup" class="transition-fade">${content}</main><script>new Swup()</script>`
      : content;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title>
<style>.transition-fade { transition: opacity .3s } html.is-animating .transition-fade { opacity: 0 }</style>
${lib == 'turbo' ? meta : ''}<script src="/t/lib/${lib}.js"></script>${tag == 'head' ? script : ''}</head>
<body${lib == 'htmx' ? ' hx-boost:inherited="true"' : ''}>${body}${extra}${tag == 'body' ? script : ''}</body></html>`;
}

/** Serves the shop; `slow` pages are answered once their promise settles; `extra` goes at the
 * end of each page's <body> (outside the part Swup swaps). */
async function shop(page: Page, lib: Lib, tenant: string, { tag = 'head' as 'head' | 'body', slow = {} as Record<string, () => Promise<unknown>>, extra = '' } = {}) {
  await page.route(`${BASE}/t/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    if (name.endsWith('.js')) return route.fulfill({ contentType: 'text/javascript', body: readFileSync(LIB_FILE[lib], 'utf8') });
    await slow[name]?.();
    await route.fulfill({ contentType: 'text/html', body: shopPage(lib, tenant, name, tag, extra) }).catch(() => {});
  });
  await page.goto('/t/list');
  await ready(page);
}

/** Waits until the page shown is `name` and the library has finished its visit. */
const shown = (page: Page, name: string) =>
  page.waitForFunction(
    (name) => document.getElementById('h')?.textContent == name && !document.documentElement.matches('[aria-busy], .is-changing'),
    name,
  );

/** Goes through the shop as a shopper: each step clicks a link (its selector), or goes `back`
 * or `forward`, and waits until the page it names is shown. */
async function walk(page: Page, ...steps: [how: string, name: string][]) {
  for (const [how, name] of steps) {
    await (how == 'back' || how == 'forward' ? traverse(page, how) : page.locator(how).click());
    await shown(page, name);
  }
}

const pageViews = (events: Stored[]) => ofType(events, 'page_view').map((e) => [pathOf(e.url), e.product_id ?? null]);
const seen = (events: Stored[], url: string) =>
  ofType(events, 'element_visible').filter((e) => pathOf(e.url) == url).map((e) => e.product_id).sort();

/** Adds a card in view; its impression arrives a second later, after any other pending one. */
const marker = async (page: Page, request: Parameters<typeof waitForEvents>[0], tenant: string) => {
  await page.evaluate(() => document.body.insertAdjacentHTML('afterbegin', '<article data-depict-product-id="marker">marker</article>'));
  return waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').some((x) => x.product_id == 'marker'));
};

// (and, the tag in <head>, as in a browser without the Navigation API: Turbo's back and forward
// are then a popstate, whose listener restores the page from Turbo's cache)
for (const [tag, api] of [['head', true], ['body', true], ['head', false]] as const)
  test(`Turbo Drive, the tag in <${tag}>${api ? '' : ', no Navigation API'}: one page view per visit with its page's fields (advance, a cached page's preview then the fresh one, back, forward), each page's cards and widget once, a click and an add to cart credited`, async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    if (!api) await withoutNavigationApi(page);
    await shop(page, 'turbo', tenant, { tag });
    // each step waits for the impressions of the page it shows (n in all), as a shopper who looks
    let n = 0;
    const step = async (go: () => Promise<unknown>, name: string, cards: number) => {
      await go();
      await shown(page, name);
      const want = (n += cards);
      await waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').length >= want);
    };
    await step(async () => {}, 'list', 4);
    await step(() => page.locator('#grid a[href="/t/p1"]').click(), 'p1', 1);
    await step(() => page.locator('a[href="/t/p2"]').click(), 'p2', 1);
    await page.locator('#atc').click();
    // back to p1 and the listing: restorations from Turbo's cache, rendered after the URL changed
    await step(() => traverse(page, 'back'), 'p1', 1);
    await step(() => traverse(page, 'back'), 'list', 4);
    await step(() => traverse(page, 'forward'), 'p1', 1);
    // an advance visit to a cached page: its preview, then the page fetched
    await step(() => page.locator('#home').click(), 'list', 4);
    const all = await marker(page, request, tenant);
    expect(pageViews(all)).toEqual([
      ['/t/list', null],
      ['/t/p1', 'p1'],
      ['/t/p2', 'p2'],
      ['/t/p1', 'p1'],
      ['/t/list', null],
      ['/t/p1', 'p1'],
      ['/t/list', null],
    ]);
    // each page view's impressions and widget once, the page's own (by url, the page views' order)
    const perView = (type: string) => {
      const views: string[][] = [];
      for (const e of all) if (e.type == 'page_view') views.push([]);
        else if (e.type == type) views.at(-1)!.push(`${pathOf(e.url)} ${e.product_id ?? e.recommendation_type}`);
      return views.map((v) => v.sort().join(', '));
    };
    const listSeen = '/t/list p1, /t/list p2, /t/list p3, /t/list p7';
    expect(perView('element_visible')).toEqual([listSeen, '/t/p1 p2', '/t/p2 p3', '/t/p1 p2', listSeen, '/t/p1 p2', '/t/list marker, ' + listSeen]);
    expect(perView('recommendations_inserted')).toEqual(['/t/list top', '/t/p1 p1', '/t/p2 p2', '/t/p1 p1', '/t/list top', '/t/p1 p1', '/t/list top']);
    // the listing's click, the widget's click, and the add to cart credited to the widget
    expect(ofType(all, 'click').map((e) => [pathOf(e.url), e.product_id, pathOf(e.page_url)])).toEqual([
      ['/t/list', 'p1', '/t/p1'],
      ['/t/p1', 'p2', '/t/p2'],
    ]);
    expect(ofType(all, 'add_to_cart')).toMatchObject([{ product_id: 'p2', recommendation_id: 'rec-p1-2', attribution_id: 'recommendation' }]);
    // the tag run again by each visit (in <body>) started nothing: one window.depict, no second
    // set of listeners (no event twice), nothing sent twice
    expect(await page.evaluate(() => Object.keys(window).filter((k) => /depict/i.test(k)))).toEqual(['depict']);
    expect((await stats(request, tenant)).duplicates ?? 0).toBe(0);
  });

// without the Navigation API (Safari before 26.2, Firefox before 147), back is a popstate, in
// whose listener Swup renders the page from its cache at once, before the snippet hears of it
for (const api of [true, false])
  test(`Swup${api ? '' : ', no Navigation API'}: each page view carries its own page's <meta> fields and comes before its widget (Swup changes the URL before its out-animation and the fetch)`, async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    if (!api) await withoutNavigationApi(page);
    await shop(page, 'swup', tenant);
    await walk(page, ['#grid a[href="/t/p1"]', 'p1'], ['a[href="/t/p2"]', 'p2'], ['back', 'p1']);
    const all = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 4 && ofType(e, 'recommendations_inserted').length == 4);
    expect(pageViews(all)).toEqual([
      ['/t/list', null],
      ['/t/p1', 'p1'],
      ['/t/p2', 'p2'],
      ['/t/p1', 'p1'],
    ]);
    expect(all.filter((e) => /page_view|recommendations_inserted/.test(e.type)).map((e) => e.type + ' ' + (e.product_id ?? ''))).toEqual([
      'page_view ',
      'recommendations_inserted ',
      'page_view p1',
      'recommendations_inserted p1',
      'page_view p2',
      'recommendations_inserted p2',
      'page_view p1',
      'recommendations_inserted p1',
    ]);
  });

// a countdown or a "12 people viewing" ticker that changes its text while Swup fetches the next
// page is no new page: each page view still waits for the page
test('Swup on a page with a ticker (its textContent set every 20 ms): each page view carries its own page\'s <meta> fields', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const ticker = '<p id="ticker"></p><script>setInterval(() => (document.getElementById("ticker").textContent = Date.now()), 20)</script>';
  await shop(page, 'swup', tenant, { extra: ticker });
  await walk(page, ['#grid a[href="/t/p1"]', 'p1'], ['a[href="/t/p2"]', 'p2']);
  const all = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 3 && ofType(e, 'recommendations_inserted').length == 3);
  expect(pageViews(all)).toEqual([
    ['/t/list', null],
    ['/t/p1', 'p1'],
    ['/t/p2', 'p2'],
  ]);
});

// (a page slower than that: the page view is sent a second after the URL changed, with the
// left page's <meta>, and the cards still shown then would be counted a second later)
test("Swup, a product page that arrives after its page view was sent: the listing's cards and widget, still shown meanwhile, are not counted in the product's page view", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // the product page is answered once the collector has its page view (not after a fixed
  // time: on a busy machine the page view's second, and the send, take longer)
  const viewed = () =>
    expect
      .poll(async () => (await stored(request, tenant)).some((e) => e.type == 'page_view' && pathOf(e.url) == '/t/p1'), { timeout: 10_000, intervals: [25] })
      .toBe(true);
  await shop(page, 'swup', tenant, { slow: { p1: viewed } });
  await waitForEvents(request, tenant, (e) => seen(e, '/t/list').length == 4);
  await walk(page, ['#grid a[href="/t/p1"]', 'p1']);
  const all = await marker(page, request, tenant);
  expect(seen(all, '/t/p1')).toEqual(['marker', 'p2']);
  expect(ofType(all, 'recommendations_inserted').map((e) => [pathOf(e.url), e.recommendation_type])).toEqual([
    ['/t/list', 'top'],
    ['/t/p1', 'similar'],
  ]);
  expect(ofType(all, 'page_view').map((e) => pathOf(e.url))).toEqual(['/t/list', '/t/p1']);
});

for (const api of [true, false])
  test(`htmx 4 (hx-boost)${api ? '' : ', no Navigation API'}: back and forward fetch the page again after the URL changed; its page view carries that page's fields`, async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    if (!api) await withoutNavigationApi(page);
    await shop(page, 'htmx', tenant);
    await walk(page, ['#grid a[href="/t/p1"]', 'p1'], ['a[href="/t/p2"]', 'p2'], ['back', 'p1'], ['back', 'list'], ['forward', 'p1']);
    const all = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 6 && ofType(e, 'recommendations_inserted').length == 6);
    expect(pageViews(all)).toEqual([
      ['/t/list', null],
      ['/t/p1', 'p1'],
      ['/t/p2', 'p2'],
      ['/t/p1', 'p1'],
      ['/t/list', null],
      ['/t/p1', 'p1'],
    ]);
    expect(ofType(all, 'page_view').map((e) => e.document_referrer && pathOf(e.document_referrer))).toEqual([null, '/t/list', '/t/p1', '/t/p2', '/t/p1', '/t/list']);
  });

test("Shopify's Section Rendering API as Dawn's filters use it (pushState, then the section's HTML fetched, here after the page view was sent, and put in with innerHTML): the cards swapped in are counted in the new page view, those swapped out are not", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const grid = (sort: string) => [1, 2].map((i) => card(sort + i, '')).join('');
  await page.route(`${BASE}/t/**`, async (route) => {
    const q = new URL(route.request().url()).searchParams;
    if (q.get('section_id')) {
      // a slow section: answered once the collector has the new page view (sent a second
      // after the URL changed, without waiting longer for a page), not after a fixed time,
      // which a busy machine's page view could outlast
      await expect
        .poll(async () => (await stored(request, tenant)).some((e) => e.type == 'page_view' && e.url.includes('sort=')), { timeout: 10_000, intervals: [25] })
        .toBe(true);
      return route.fulfill({ contentType: 'text/html', body: `<div id="shopify-section-grid"><div id="grid">${grid(q.get('sort')!)}</div></div>` });
    }
    await route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head><script async src="${BASE}/depict.js" data-tenant="${tenant}" data-market="se" data-api-key="k"
        data-endpoint="${BASE}/create-events" data-batch-ms="50"></script></head><body>
        <div id="grid">${grid('new')}</div>
        <script>
          async function sortBy(sort) {
            history.pushState({}, '', location.pathname + '?sort=' + sort);
            const html = await (await fetch(location.pathname + '?section_id=grid&sort=' + sort)).text();
            document.getElementById('grid').innerHTML = new DOMParser().parseFromString(html, 'text/html').getElementById('grid').innerHTML;
          }
        </script></body></html>`,
    });
  });
  await page.goto('/t/collection');
  await ready(page);
  await waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').length == 2);
  await page.evaluate(() => (window as any).sortBy('price'));
  const all = await marker(page, request, tenant);
  expect(pageViews(all).map(([url]) => url)).toEqual(['/t/collection', '/t/collection?sort=price']);
  expect(seen(all, '/t/collection?sort=price')).toEqual(['marker', 'price1', 'price2']);
});

test('navigations in separate tasks with nothing changed in the page between them (a filter that writes the URL at each click, then fetches once): a page view each, with its own URL and referrer, while a page view waits for its page', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '<article data-depict-product-id="p1">p1</article>', { attrs: 'data-capture="page_view element_visible"' });
  await waitForEvents(request, tenant, (e) => e.length == 2);
  await page.evaluate(() => history.pushState({}, '', '/fixture?size=s'));
  await page.evaluate(() => history.pushState({}, '', '/fixture?size=s&color=red'));
  await page.evaluate(() => {
    // one task: a push and a redirect are one page view
    history.pushState({}, '', '/fixture?size=m');
    history.replaceState({}, '', '/fixture?size=m&v=2');
  });
  const all = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 4);
  expect(ofType(all, 'page_view').map((e) => [pathOf(e.url), e.document_referrer && pathOf(e.document_referrer)])).toEqual([
    ['/fixture', null],
    ['/fixture?size=s', '/fixture'],
    ['/fixture?size=s&color=red', '/fixture?size=s'],
    ['/fixture?size=m&v=2', '/fixture?size=s&color=red'],
  ]);
});

test('a tab closed while its page view waits for the page (a filter wrote the URL, its grid is still being fetched): that page view still arrives, once', async ({ context, request }, info) => {
  // The page view after a navigation waits up to a second for the new page; a tab closed in
  // that second lost it (it was not queued yet, so the send at pagehide did not carry it).
  const tenant = tenantOf(info);
  const page = await context.newPage();
  await fixture(page, tenant, '<article data-depict-product-id="p1">p1</article>', { attrs: 'data-capture="page_view element_visible"' });
  await waitForEvents(request, tenant, (e) => e.length == 2);
  await page.evaluate(() => history.pushState({}, '', '/fixture?size=s'));
  await page.close({ runBeforeUnload: true });
  const all = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2);
  expect(ofType(all, 'page_view').map((e) => [pathOf(e.url), e.document_referrer && pathOf(e.document_referrer)])).toEqual([
    ['/fixture', null],
    ['/fixture?size=s', '/fixture'],
  ]);
  expect((await stats(request, tenant)).duplicates ?? 0).toBe(0);
});
