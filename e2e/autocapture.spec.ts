import { expect, test } from './test';
import { BASE, fixture, ofType, ready, stored, tenantOf, traverse, useTenant, waitForEvents, withoutNavigationApi } from './helpers';

/** Flushes and returns what the collector holds for the tenant. */
async function settled(page: import('@playwright/test').Page, request: import('@playwright/test').APIRequestContext, tenant: string) {
  await page.evaluate(() => (window as any).depict.flush());
  return stored(request, tenant);
}

/** A card always in view: its element_visible, a second after it is put in the page, shows
 * that the dwell time of what was in view before it has passed. */
const MARKER = '<article data-depict-product-id="marker" style="position:fixed;top:0;left:0">marker</article>';

test.describe('page views', () => {
  test('the first page view carries the page meta fields', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant);
    await page.goto('/product.html?id=p-1003');
    const [pv] = ofType(await waitForEvents(request, tenant, (e) => e.length > 0), 'page_view');
    expect(pv).toMatchObject({ type: 'page_view', product_id: 'p-1003', entity_price: '699.00', currency: 'SEK' });
    expect(pv.entity_identifiers).toEqual({ sku: 'SKU-1003' });
  });

  // Where the Navigation API is missing (Safari before 26.2, and so most iPhones today) the
  // snippet wraps pushState/replaceState and listens to popstate: the same tests, both ways
  for (const [mode, hide] of [
    ['Navigation API', async () => {}],
    [
      'no Navigation API (wrapped history)',
      withoutNavigationApi,
    ],
  ] as const)
    test.describe(mode, mode == 'Navigation API' ? { tag: '@navigation-api' } : {}, () => {
      test('the snippet watches navigations the way this mode says', async ({ page }, info) => {
        await hide(page);
        await fixture(page, tenantOf(info), '');
        await ready(page);
        const seen = await page.evaluate(() => ({ api: !!(window as any).navigation, wrapped: !/\[native code\]/.test(String(history.pushState)) }));
        expect(seen).toEqual(mode == 'Navigation API' ? { api: true, wrapped: false } : { api: false, wrapped: true });
      });

      test("a monitoring tool that wraps History.prototype.pushState after the snippet (New Relic's agent does) still sees the page's navigations, and so does the snippet", async ({ page, request }, info) => {
        const tenant = tenantOf(info);
        await hide(page);
        await fixture(page, tenant, '');
        await ready(page);
        await page.evaluate(() => {
          const proto = History.prototype as any;
          const of = proto.pushState;
          (window as any).__apm = 0;
          proto.pushState = function (this: History, ...a: unknown[]) {
            (window as any).__apm++;
            return of.apply(this, a);
          };
          history.pushState({}, '', '/fixture?p=2');
        });
        expect(await page.evaluate(() => (window as any).__apm)).toBe(1);
        const views = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2), 'page_view');
        expect(views[1].url).toBe(`${BASE}/fixture?p=2`);
      });

      test('a pushState navigation is a page view, with the previous URL as referrer', async ({ page, request }, info) => {
        const tenant = tenantOf(info);
        await hide(page);
        await useTenant(page, tenant);
        await page.goto('/category.html');
        await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
        await page.getByTestId('filter-dresses').click();
        await expect(page).toHaveURL(/cat=dresses/);
        const views = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2), 'page_view');
        expect(views[1]).toMatchObject({ url: `${BASE}/category.html?cat=dresses`, document_referrer: `${BASE}/category.html` });
        await traverse(page, 'back');
        await expect(page).toHaveURL(`${BASE}/category.html`);
        const back = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 3), 'page_view');
        expect(back[2]).toMatchObject({ url: `${BASE}/category.html`, document_referrer: `${BASE}/category.html?cat=dresses` });
      });

      test("a router that changes the URL, then renders the new page's meta tags: the page view has the new page's fields", async ({ page, request }, info) => {
        const tenant = tenantOf(info);
        await hide(page);
        await fixture(page, tenant, '', { head: '<meta name="depict-product-id" content="p-A">' });
        await waitForEvents(request, tenant, (e) => e.length == 1);
        await page.evaluate(async () => {
          history.pushState({}, '', '/fixture?p=B');
          // a redirect in the same task, then the render, a microtask later
          history.replaceState({}, '', '/fixture?p=B&v=2');
          await Promise.resolve();
          document.querySelector('meta[name="depict-product-id"]')!.setAttribute('content', 'p-B');
        });
        await waitForEvents(request, tenant, (e) => e.length == 2);
        const views = ofType(await settled(page, request, tenant), 'page_view');
        expect(views.map((v) => [v.url, v.product_id, v.document_referrer ?? null])).toEqual([
          [`${BASE}/fixture`, 'p-A', null],
          [`${BASE}/fixture?p=B&v=2`, 'p-B', `${BASE}/fixture`],
        ]);
      });

      test('a widget the router inserts as it navigates is reported once, for the new page', async ({ page, request }, info) => {
        const tenant = tenantOf(info);
        await hide(page);
        await fixture(page, tenant, '', { attrs: 'data-capture="page_view recommendations_inserted"' });
        await waitForEvents(request, tenant, (e) => e.length == 1);
        await page.evaluate(() => {
          history.pushState({}, '', '/fixture?p=2');
          document.body.insertAdjacentHTML('beforeend', '<section data-depict-recommendation-type="similar"></section>');
        });
        await waitForEvents(request, tenant, (e) => e.length == 3);
        const all = await settled(page, request, tenant);
        // (the page view waits for the new page, and comes before what is on it)
        expect(all.map((e) => [e.type, e.url])).toEqual([
          ['page_view', `${BASE}/fixture`],
          ['page_view', `${BASE}/fixture?p=2`],
          ['recommendations_inserted', `${BASE}/fixture?p=2`],
        ]);
      });

      test("a router that renders the new page a little after changing the URL (React Router 7's transitions, a Navigation API handler that awaits its data): the left page's widget, still there for those moments, is not reported for the new page; a widget that stays is", async ({ page, request }, info) => {
        const tenant = tenantOf(info);
        await hide(page);
        const widget = (type: string) => `<section data-depict-recommendation-type="${type}"></section>`;
        await fixture(page, tenant, `<aside>${widget('layout')}</aside><main>${widget('w1')}</main>`, {
          attrs: 'data-capture="page_view recommendations_inserted"',
        });
        await waitForEvents(request, tenant, (e) => e.length == 3);
        await page.evaluate((html) => {
          history.pushState({}, '', '/fixture?p=2');
          setTimeout(() => (document.querySelector('main')!.innerHTML = html), 100);
        }, widget('w2'));
        // the layout's widget, still in the page, is reported again for the new page (a widget
        // reported for the page it has left comes no later than that)
        await waitForEvents(request, tenant, (e) => e.filter((x) => x.recommendation_type == 'layout').length == 2 && e.length >= 6);
        const all = await settled(page, request, tenant);
        expect(all.map((e) => `${e.url.replace(BASE, '')} ${e.type} ${e.recommendation_type ?? ''}`.trim()).sort()).toEqual([
          '/fixture page_view',
          '/fixture recommendations_inserted layout',
          '/fixture recommendations_inserted w1',
          '/fixture?p=2 page_view',
          '/fixture?p=2 recommendations_inserted layout',
          '/fixture?p=2 recommendations_inserted w2',
        ]);
      });

      test('page views sent by the page itself (page_view capture off): depict.page() right after a navigation has the previous URL as referrer', async ({ page, request }, info) => {
        const tenant = tenantOf(info);
        await hide(page);
        await fixture(page, tenant, '', { attrs: 'data-capture=""' });
        await page.evaluate(() => {
          const d = (window as any).depict;
          history.pushState({}, '', '/fixture?p=2');
          d.page();
          history.pushState({}, '', '/fixture?p=3');
          d.page();
        });
        const views = ofType(await waitForEvents(request, tenant, (e) => e.length == 2), 'page_view');
        expect(views.map((v) => [v.url, v.document_referrer ?? null])).toEqual([
          [`${BASE}/fixture?p=2`, `${BASE}/fixture`],
          [`${BASE}/fixture?p=3`, `${BASE}/fixture?p=2`],
        ]);
      });

      test('replaceState to the same URL, or a hash change, is no page view', async ({ page, request }, info) => {
        const tenant = tenantOf(info);
        await hide(page);
        await fixture(page, tenant, '');
        await waitForEvents(request, tenant, (e) => e.length == 1);
        await page.evaluate(() => {
          history.replaceState({ x: 1 }, '', location.href);
          history.pushState({}, '', '#details');
          history.pushState({}, '', '?q=1'); // this one is
        });
        await waitForEvents(request, tenant, (e) => e.length == 2);
        const all = await settled(page, request, tenant);
        expect(all.map((e) => e.url)).toEqual([`${BASE}/fixture`, `${BASE}/fixture?q=1`]);
      });
    });

  // Where the Navigation API is missing, a page element with id="navigation" (a theme's
  // <nav id="navigation">, common) is what `window.navigation` names: the snippet must not take
  // it for the API, whose events it would then wait for in vain, and leave pushState unwrapped
  test('no Navigation API and an element with id="navigation" (Safari before 26.2 on a theme with <nav id="navigation">): a pushState navigation is still a page view', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // the browser's own property gone, as in a browser without the API: the name now finds the element
    await page.addInitScript(() => delete (window as any).navigation);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // an element in <head> closes it: the <nav> and the tag after it are in <body>, the <nav> first
    await fixture(page, tenant, '', { head: '<nav id="navigation"><a href="/">home</a></nav>', attrs: 'data-capture="page_view"' });
    await ready(page);
    expect(await page.evaluate(() => (window as any).navigation instanceof HTMLElement)).toBe(true);
    await page.evaluate(() => history.pushState({}, '', '/fixture?p=2'));
    const views = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2), 'page_view');
    expect(views.map((e) => [e.url, e.document_referrer])).toEqual([
      [`${BASE}/fixture`, null],
      [`${BASE}/fixture?p=2`, `${BASE}/fixture`],
    ]);
    expect(errors).toEqual([]);
  });

  // Each scan of a page visits every card (on 10,000 cards, 50-250 ms of main thread in
  // Chromium: querySelectorAll, then IntersectionObserver.observe for each): a page that writes
  // its URL 50 times in one task blocked the main thread for over a second, one scan per URL
  test('a page that changes its URL many times in one task (a loop of replaceState calls): one page view, and the page is scanned once for it', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // counts the scans: each queries the whole document for widgets once
    await page.addInitScript(() => {
      const of = Element.prototype.querySelectorAll;
      (window as any).__scans = 0;
      Element.prototype.querySelectorAll = function (this: Element, sel: string) {
        if (this == document.documentElement && sel == '[data-depict-recommendation-type]') (window as any).__scans++;
        return of.call(this, sel) as any;
      } as any;
    });
    const cards = Array.from({ length: 200 }, (_, i) => `<article data-depict-product-id="p${i}"><a href="#p${i}">p${i}</a></article>`).join('');
    await fixture(page, tenant, cards, { attrs: 'data-capture="page_view element_visible recommendations_inserted"' });
    await ready(page);
    await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
    expect(await page.evaluate(() => (window as any).__scans)).toBe(1);
    await page.evaluate(() => {
      for (let i = 1; i <= 50; i++) history.replaceState(null, '', '/fixture?page=' + i);
      // set after the snippet's scan timers, and longer: they have all run when it does (the
      // page view waits a second at most for a change to the page, none here, and the scan
      // comes a second after the page view)
      setTimeout(() => ((window as any).__settled = true), 3e3);
    });
    const views = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2), 'page_view');
    expect(views[1].url).toBe(`${BASE}/fixture?page=50`);
    await page.waitForFunction(() => (window as any).__settled);
    expect(await page.evaluate(() => (window as any).__scans)).toBe(2);
  });

  // @chromium-only: Playwright over WebDriver BiDi misses Firefox's back/forward-cache restores:
  // Firefox restores the page (pageshow persisted, the snippet sends its second page view) but
  // page.goBack() never resolves, even with waitUntil commit. WebKit's suite covers a restore.
  test('a page restored from the back/forward cache is a new page view', { tag: '@chromium-only' }, async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '<a href="/events">away</a>');
    await ready(page);
    await waitForEvents(request, tenant, (e) => e.length == 1);
    await page.click('a');
    await page.goBack();
    // only when Chromium really used the cache is there a second page view to see
    const persisted = await page.evaluate(
      () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type == 'back_forward',
    );
    expect(persisted).toBe(true);
    await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 2);
  });
});

test.describe('clicks and add to cart', () => {
  test('a click on a listing card sends click with the card fields and its link', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'click' });
    await page.goto('/category.html');
    await ready(page);
    const card = page.getByTestId('product-card').nth(2);
    const id = await card.getAttribute('data-depict-product-id');
    await card.locator('h3, .card-title, a').first().click({ modifiers: ['ControlOrMeta'] }); // a new tab: the page stays
    const [click] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1), 'click');
    expect(click).toMatchObject({
      product_id: id,
      product_listing_result_id: await card.getAttribute('data-depict-product-listing-result-id'),
      entity_price: await card.getAttribute('data-depict-entity-price'),
      currency: 'SEK',
      page_url: `${BASE}/product.html?id=${id}`,
      url: `${BASE}/category.html`,
    });
  });

  test("a click on a <label> in a card (a colour swatch's radio, a compare checkbox), which the browser passes on to its control as a second click: one click", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(
      page,
      tenant,
      `<article data-depict-product-id="p1" data-depict-product-listing-result-id="l1"><a href="/p/p1">P1</a>
         <input type="radio" name="c" id="red"><label id="swatch" for="red">Red</label>
         <label><input type="checkbox" id="box"> <span id="compare">Compare</span></label>
         <label id="far" for="outside">Notify me</label>
         <label id="add" for="atc">Add</label><button id="atc" data-depict-event="add_to_cart">+</button></article>
       <input type="checkbox" id="outside">`,
      { attrs: 'data-capture="click add_to_cart"' },
    );
    await ready(page);
    // the swatch's label, the text of a label around its checkbox, the checkbox itself, a
    // label in the card for a control outside it
    for (const sel of ['#swatch', '#compare', '#box', '#far']) await page.click(sel);
    await expect(page.locator('#red')).toBeChecked(); // passed on indeed
    await expect(page.locator('#outside')).toBeChecked();
    // a label for an add-to-cart button: the click passed on still adds to the cart
    await page.click('#add');
    await page.evaluate(() => (window as any).depict.track('page_view'));
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
    expect(ofType(events, 'click').map((e) => [e.product_id, e.page_url])).toEqual(Array(5).fill(['p1', `${BASE}/p/p1`]));
    expect(ofType(events, 'add_to_cart').map((e) => e.product_id)).toEqual(['p1']);
  });

  test("a card that clicks its own link for the shopper (the clickable-card pattern: link.click() from the card's mouseup or click handler): one click", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(
      page,
      tenant,
      `<article id="up" data-depict-product-id="p1"><h3><a href="#p1">P1</a></h3><p id="up-text">a shoe</p></article>
       <article id="down" data-depict-product-id="p2"><h3><a href="#p2">P2</a></h3><p id="down-text">a boot</p></article>
       <script>
         const link = (card) => card.querySelector('a');
         up.addEventListener('mouseup', (e) => e.target != link(up) && link(up).click());
         down.addEventListener('click', (e) => e.target != link(down) && link(down).click());
       </script>`,
      { attrs: 'data-capture="click"' },
    );
    await ready(page);
    await page.click('#up-text');
    await page.click('#down-text');
    // and two clicks of the shopper's are two
    await page.click('#up-text');
    await page.evaluate(() => (window as any).depict.track('page_view'));
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
    expect(ofType(events, 'click').map((e) => e.product_id)).toEqual(['p1', 'p2', 'p1']);
  });

  test("a click on a card's script link (a wishlist heart's href=\"#\", a quick view's javascript:void(0)) is the card's click, with the product link as page_url", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(
      page,
      tenant,
      `<article data-depict-product-id="p1"><a id="wish" href="#" onclick="return false">♡</a><a href="/p/p1">P1</a>
         <a id="quick" href="javascript:void(0)">Quick view</a></article>`,
      { attrs: 'data-capture="click"' },
    );
    await ready(page);
    await page.click('#wish');
    await page.click('#quick');
    // a middle click on such a link opens no product: nothing
    await page.click('#wish', { button: 'middle' });
    await page.evaluate(() => (window as any).depict.track('page_view'));
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'page_view').length == 1);
    expect(ofType(events, 'click').map((e) => e.page_url)).toEqual([`${BASE}/p/p1`, `${BASE}/p/p1`]);
  });

  test('a middle click on a product link counts; on an add-to-cart button (it adds nothing), or outside any product, nothing is sent', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(
      page,
      tenant,
      `<p id="outside">not a product</p>
       <div data-depict-recommendation-type="similar" data-depict-click-location="pdp">
         <article data-depict-product-id="p1" data-depict-recommendation-id="r1"><a href="/p/1"><span id="inner">Shoe</span></a>
           <button id="add" data-depict-event="add_to_cart">Add</button></article>
       </div>`,
      { attrs: 'data-capture="click add_to_cart"' },
    );
    await ready(page);
    await page.click('#outside');
    await page.click('#add', { button: 'middle' });
    await page.click('#inner', { button: 'middle' });
    const [click] = ofType(await waitForEvents(request, tenant, (e) => e.length == 1), 'click');
    expect(click).toMatchObject({
      product_id: 'p1',
      recommendation_id: 'r1',
      recommendation_type: 'similar',
      click_location: 'pdp',
      page_url: `${BASE}/p/1`,
    });
    expect(await settled(page, request, tenant)).toHaveLength(1);
  });

  test('the bare add-to-cart button of a product page knows its product from the meta tags', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'add_to_cart' });
    await page.goto('/product.html?id=p-1002');
    await ready(page);
    await page.getByTestId('variant-select').selectOption({ index: 1 });
    await page.getByTestId('add-to-cart').click();
    const [atc] = ofType(await waitForEvents(request, tenant, (e) => e.length == 1), 'add_to_cart');
    expect(atc).toMatchObject({ product_id: 'p-1002', entity_price: '299.00', currency: 'SEK', variant_ids: ['p-1002-m'] });
    expect(atc.recommendation_id).toBeUndefined();
  });

  test('a legacy .depict-add-to-cart button in a legacy recommendation card', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'add_to_cart' });
    await page.goto('/');
    await ready(page);
    const card = page.getByTestId('recs-home').getByTestId('product-card').first();
    await card.locator('.depict-add-to-cart').click();
    const [atc] = ofType(await waitForEvents(request, tenant, (e) => e.length == 1), 'add_to_cart');
    expect(atc).toMatchObject({
      product_id: await card.getAttribute('data-depict-product-id'),
      recommendation_id: await card.getAttribute('data-recommendation-id'),
      recommendation_type: 'front_page',
      attribution_id: 'recommendation',
    });
    // an add-to-cart inside a card is not also a product click
    expect(ofType(await settled(page, request, tenant), 'click')).toHaveLength(0);
  });

  test("a card price printed by the theme (Shopify's money_without_currency: 1 299,00) is sent as the plain number, as a purchase sends it", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(
      page,
      tenant,
      `<div data-depict-product-id="8001" data-depict-entity-price="1 299,00"><a id="c1" href="#8001">Coat</a></div>
<div data-depict-product-id="8002" data-depict-entity-price="1,299.00"><button id="c2" class="depict-add-to-cart">Add</button></div>`,
      { attrs: 'data-capture="page_view click add_to_cart"' },
    );
    await ready(page);
    await page.click('#c1');
    await page.click('#c2');
    const events = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1 && ofType(e, 'add_to_cart').length == 1);
    expect([...ofType(events, 'click'), ...ofType(events, 'add_to_cart')].map((e) => e.entity_price)).toEqual(['1299.00', '1299.00']);
  });

  test('a card whose link is an SVG <a> (its href is no string): the click is sent, without page_url, and nothing is thrown into the page', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await fixture(page, tenant, '<div data-depict-product-id="p1"><svg width="100" height="40"><a href="#p1"><text id="svg-link" x="5" y="20">Coat</text></a></svg></div>', {
      attrs: 'data-capture="page_view click"',
    });
    await ready(page);
    await page.click('#svg-link');
    const [click] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1), 'click');
    expect(click.product_id).toBe('p1');
    expect(click.page_url).toBeUndefined();
    expect(errors).toEqual([]);
  });

  test('a capture that is turned off sends nothing', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'page_view' });
    await page.goto('/category.html');
    await ready(page);
    await page.getByTestId('card-add-to-cart').first().click();
    await page.getByTestId('product-card').first().click({ modifiers: ['ControlOrMeta'] });
    await waitForEvents(request, tenant, (e) => e.length >= 1);
    // (the ctrl-click may open the product in a new tab: its page view counts, nothing else)
    expect(new Set((await settled(page, request, tenant)).map((e) => e.type))).toEqual(new Set(['page_view']));
  });

  test('page views and clicks alone: the page is not watched for cards, widgets or purchases', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    // counts the observers put on the whole document (the snippet's DOM watch is one)
    await page.context().addInitScript(() => {
      const w = window as any;
      w.__watches = 0;
      const observe = MutationObserver.prototype.observe;
      MutationObserver.prototype.observe = function (target, opts) {
        if (target == document.documentElement && opts?.subtree) w.__watches++;
        return observe.call(this, target, opts);
      };
    });
    const card = '<article data-depict-product-id="p1"><a href="#p1">a shoe</a></article>';
    await fixture(page, tenant, card, { attrs: 'data-capture="page_view click"' });
    await ready(page);
    await page.getByText('a shoe').click();
    await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1);
    expect(await page.evaluate(() => (window as any).__watches)).toBe(0);
    // with impressions on, the snippet watches the document: the count above could be other
    await fixture(page, tenant, card, { attrs: 'data-capture="element_visible"' });
    await ready(page);
    expect(await page.evaluate(() => (window as any).__watches)).toBe(1);
  });
});

test.describe('impressions', () => {
  const cards = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `<article class="c" data-depict-product-id="p${i + from}" style="height:300px">card ${i + from}</article>`).join('');

  test('element_visible once a card has been half in view for a second, once', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<div style="height:2000px"></div>${cards(1)}<div style="height:2000px"></div>`, {
      attrs: 'data-capture="element_visible"',
    });
    const t0 = Date.now();
    await page.locator('[data-depict-product-id=p0]').scrollIntoViewIfNeeded();
    const [seen] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(seen).toMatchObject({ type: 'element_visible', product_id: 'p0' });
    // away and back: no second event in this page view (a card shown after p0 is back in
    // view is seen a second later: by then p0's second event would have been made)
    await page.evaluate(() => scrollTo(0, 0));
    await page.locator('[data-depict-product-id=p0]').scrollIntoViewIfNeeded();
    await page.evaluate((m) => document.body.insertAdjacentHTML('beforeend', m), MARKER);
    await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'marker'));
    expect((await settled(page, request, tenant)).map((e) => e.product_id)).toEqual(['p0', 'marker']);
  });

  test('in view for less than a second sends nothing', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<div style="height:2000px"></div>${cards(1)}<div style="height:4000px"></div>`, {
      attrs: 'data-capture="element_visible page_view"',
    });
    await waitForEvents(request, tenant, (e) => e.length == 1);
    await page.evaluate(async (m) => {
      document.querySelector('[data-depict-product-id]')!.scrollIntoView();
      await new Promise((r) => setTimeout(r, 400));
      scrollTo(0, 5000);
      // a card shown now is seen a second later: p0, in view 400 ms, would have been by then
      document.body.insertAdjacentHTML('beforeend', m);
    }, MARKER);
    await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'marker'));
    expect((await settled(page, request, tenant)).map((e) => e.product_id ?? e.type)).toEqual(['page_view', 'marker']);
  });

  test("cards in view but not shown (a fade carousel's other slides at opacity 0, a closed menu at visibility: hidden) are not seen until they are shown", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    const slide = (i: number, opacity: number) =>
      `<article id="s${i}" data-depict-product-id="slide-${i}" style="position:absolute;inset:0;opacity:${opacity}">slide ${i}</article>`;
    await fixture(
      page,
      tenant,
      `<div style="position:relative;height:300px">${slide(1, 1)}${slide(2, 0)}${slide(3, 0)}</div>
       <nav style="visibility:hidden"><article data-depict-product-id="menu-1" style="height:100px">in the menu</article></nav>`,
      { attrs: 'data-capture="element_visible"' },
    );
    const seen = async (n: number) => ofType(await waitForEvents(request, tenant, (e) => e.length >= n), 'element_visible').map((e) => e.product_id);
    expect(await seen(1)).toEqual(['slide-1']);
    // the carousel moves on: slide 2 is shown, and seen a second or two later
    await page.evaluate(() => ((document.getElementById('s1')!.style.opacity = '0'), (document.getElementById('s2')!.style.opacity = '1')));
    expect(await seen(2)).toEqual(['slide-1', 'slide-2']);
    // a card shown now is seen a second later: by then slide 3 and the menu's card have been
    // looked at again at least once
    await page.evaluate(() => document.body.insertAdjacentHTML('afterbegin', '<article data-depict-product-id="marker">marker</article>'));
    expect(await seen(3)).toEqual(['slide-1', 'slide-2', 'marker']);
  });

  test('cards added later are observed, and a new page view counts them again', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<main id="grid">${cards(2)}</main>`, { attrs: 'data-capture="element_visible"' });
    await waitForEvents(request, tenant, (e) => e.length == 2);
    await page.evaluate((html) => document.getElementById('grid')!.insertAdjacentHTML('afterbegin', html), cards(1, 7));
    await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'p7'));
    await page.evaluate(() => history.pushState({}, '', '?page=2'));
    // p7 now sits on top, pushing p1 below the fold: only p7 and p0 are seen again
    const all = await waitForEvents(request, tenant, (e) => e.length == 5);
    expect(all.map((e) => e.product_id).sort()).toEqual(['p0', 'p0', 'p1', 'p7', 'p7']);
  });

  test('a card rendered before its data (a skeleton keyed by index) is seen once it gets its product id and its content', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<article id="sk" class="skeleton" style="height:300px"><div class="shimmer"></div></article>`, {
      attrs: 'data-capture="element_visible"',
    });
    await ready(page);
    // what React or Vue does when the data comes: the attribute and the children, together
    await page.evaluate(() => {
      const card = document.getElementById('sk')!;
      card.setAttribute('data-depict-product-id', 'p9');
      card.replaceChildren(Object.assign(document.createElement('h3'), { textContent: 'A shoe' }));
    });
    const [seen] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(seen).toMatchObject({ type: 'element_visible', product_id: 'p9' });
  });

  test('the infinite-scroll listing reports cards as they are scrolled into view', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'element_visible' });
    await page.goto('/category.html');
    await page.getByTestId('scroll-sentinel').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('product-card')).toHaveCount(24);
    const late = page.getByTestId('product-card').nth(20);
    await late.scrollIntoViewIfNeeded();
    const id = await late.getAttribute('data-depict-product-listing-result-id');
    await waitForEvents(request, tenant, (e) => e.some((x) => x.product_listing_result_id == id));
  });
});

test.describe('recommendation widgets', () => {
  test('a widget that renders late sends recommendations_inserted once, with the page product', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'recommendations_inserted' });
    await page.goto('/');
    const [ins] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(ins).toMatchObject({ type: 'recommendations_inserted', recommendation_type: 'front_page' });
    expect(await settled(page, request, tenant)).toHaveLength(1);
  });

  test("widgets and purchase blocks already on the page are reported after the page's page_view", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant);
    const order = { transaction_id: 'o-1', currency: 'SEK', items: [{ product_id: 'p-1', price: 10 }] };
    await fixture(
      page,
      tenant,
      `<section data-depict-recommendation-type="front_page"></section>
       <script type="application/json" data-depict-purchase>${JSON.stringify(order)}</script>`,
    );
    const all = await waitForEvents(request, tenant, (e) => e.length == 3);
    expect(all.map((e) => e.type)).toEqual(['page_view', 'recommendations_inserted', 'purchase']);
  });

  test('a router that sends its own page views (depict.page() once it has rendered): each widget and impression counts once per page', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'recommendations_inserted element_visible' });
    const content = (p: number) =>
      `<section data-depict-recommendation-type="w${p}"></section><article data-depict-product-id="c${p}">card ${p}</article>`;
    await fixture(page, tenant, `<main>${content(1)}</main>`);
    await ready(page);
    await page.evaluate(() => (window as any).depict.page());
    await waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').length == 1);
    await page.evaluate((html) => {
      history.pushState({}, '', '/fixture?p=2');
      document.querySelector('main')!.innerHTML = html;
      (window as any).depict.page();
    }, content(2));
    await waitForEvents(request, tenant, (e) => ofType(e, 'element_visible').length == 2);
    // a last page view: anything counted twice has been sent by the time it arrives
    await page.evaluate(() => (window as any).depict.page({ product_id: 'end' }));
    const all = await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'end'));
    const got = all.filter((e) => e.product_id != 'end').map((e) => [e.url.replace(BASE, ''), e.type, e.recommendation_type ?? e.product_id ?? '']);
    expect(got.map((e) => e.join(' ')).sort()).toEqual([
      '/fixture element_visible c1',
      '/fixture page_view ',
      '/fixture recommendations_inserted w1',
      '/fixture?p=2 element_visible c2',
      '/fixture?p=2 page_view ',
      '/fixture?p=2 recommendations_inserted w2',
    ]);
  });

  test('a widget annotated after it was put in the page is reported once its cards are put in it', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '<section id="w">loading…</section>', { attrs: 'data-capture="recommendations_inserted"' });
    await ready(page);
    await page.evaluate(() => {
      const w = document.getElementById('w')!;
      w.setAttribute('data-depict-recommendation-type', 'similar');
      w.replaceChildren(Object.assign(document.createElement('article'), { textContent: 'a card' }));
      w.append(Object.assign(document.createElement('article'), { textContent: 'another' }));
    });
    const events = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(events.map((e) => [e.type, e.recommendation_type])).toEqual([['recommendations_inserted', 'similar']]);
    // once, however many cards were put in
    await page.evaluate(() => (window as any).depict.flush());
    expect(await stored(request, tenant)).toHaveLength(1);
  });

  test('on a product page the widget carries the host product id', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await useTenant(page, tenant, { capture: 'recommendations_inserted' });
    await page.goto('/product.html?id=p-1004');
    const [ins] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(ins).toMatchObject({ recommendation_type: 'similar', product_id: 'p-1004' });
  });
});

test('on the demo shop every annotated interaction yields exactly the contract events', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await useTenant(page, tenant);
  await page.goto('/');
  await waitForEvents(request, tenant, (e) => ofType(e, 'recommendations_inserted').length == 1);
  const rec = page.getByTestId('recs-home').getByTestId('product-card').first();
  const recId = await rec.getAttribute('data-recommendation-id');
  const pid = await rec.getAttribute('data-depict-product-id');
  await rec.getByTestId('card-link').click();
  await expect(page).toHaveURL(/product\.html/);
  await ready(page);
  await page.getByTestId('add-to-cart').click();
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1);
  const types = events.map((e) => e.type);
  expect(types.filter((t) => t == 'page_view')).toHaveLength(2);
  expect(ofType(events, 'click')).toEqual([expect.objectContaining({ product_id: pid, recommendation_id: recId })]);
  expect(ofType(events, 'add_to_cart')[0]).toMatchObject({ product_id: pid, recommendation_id: recId, attribution_id: 'recommendation' });
  expect(new Set(events.map((e) => e.deduplication_id)).size).toBe(events.length);
});
