// What front-end frameworks do to product cards, and what arrives: a node recycled for another
// product (virtual lists, lists keyed by index), hydration that renders the server's widget
// and cards again as new nodes, rows unmounted and mounted again, and web components whose
// link is in a shadow root. In each, a product in view gets one impression per page view, a
// widget one recommendations_inserted, and a click carries the product the shopper clicked.
//
// Where a test expects something *not* to be sent, it waits for an event that is sent after
// it would have been: a marker card added after the change, whose impression takes the same
// second of dwell, or a track() call made after a change that is reported at once.
import { expect, test } from './test';
import { fixture, ofType, ready, tenantOf, waitForEvents, type Stored } from './helpers';
import type { Page } from '@playwright/test';

const card = (id: string) =>
  `<article data-depict-product-id="${id}" data-depict-product-listing-result-id="plr-${id}" style="height:150px"><a href="/p/${id}">${id}</a></article>`;

/** What a recycling list does to a node: new attributes, new link, new text; the same node. */
const recycle = ([from, to]: string[]) => {
  const el = document.querySelector(`[data-depict-product-id="${from}"]`)!;
  el.setAttribute('data-depict-product-id', to);
  el.setAttribute('data-depict-product-listing-result-id', 'plr-' + to);
  el.querySelector('a')!.href = '/p/' + to;
  el.querySelector('a')!.textContent = to;
};

/** Adds a card of product `marker` at the top of the page (in view). */
const addMarker = (page: Page) => page.evaluate(() => document.body.insertAdjacentHTML('afterbegin', '<article data-depict-product-id="marker" style="height:50px">marker</article>'));

const seen = (events: Stored[]) => ofType(events, 'element_visible').map((e) => e.product_id);

test.describe('a node recycled for another product', () => {
  test('gets an impression as the new product, and a click on it is the new product', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<main>${card('p1')}</main>`, { attrs: 'data-capture="element_visible click"' });
    await waitForEvents(request, tenant, (e) => seen(e).includes('p1'));
    await page.evaluate(recycle, ['p1', 'p2']);
    await waitForEvents(request, tenant, (e) => seen(e).includes('p2'));
    // the SPA's router keeps product links in the page
    await page.evaluate(() => document.addEventListener('click', (e) => e.preventDefault()));
    await page.click('a');
    const all = await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1);
    expect(ofType(all, 'click')[0]).toMatchObject({ product_id: 'p2', product_listing_result_id: 'plr-p2', page_url: expect.stringMatching(/\/p\/p2$/) });
    expect(seen(all)).toEqual(['p1', 'p2']);
    expect(ofType(all, 'element_visible')[1]).toMatchObject({ product_listing_result_id: 'plr-p2' });
  });

  test('during its second of dwell: each product must be in view a full second of its own', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '<main id="m"></main>', { attrs: 'data-capture="element_visible"' });
    await ready(page);
    // p1 shown; 600 ms later the node is p2; 600 ms later p3, which stays
    await page.evaluate(
      ([html, rec]) => {
        const recycle = new Function('return ' + rec)();
        document.getElementById('m')!.innerHTML = html;
        setTimeout(() => recycle(['p1', 'p2']), 600);
        setTimeout(() => recycle(['p2', 'p3']), 1200);
      },
      [card('p1'), recycle.toString()] as const,
    );
    // p1's and p2's impressions, had they been made, came before p3's
    const all = await waitForEvents(request, tenant, (e) => seen(e).includes('p3'));
    expect(seen(all)).toEqual(['p3']);
  });

  test('in place, as Vue patches a v-for without :key after a client-side filter: each new product is seen', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<main>${card('a1')}${card('a2')}</main>`, { attrs: 'data-capture="element_visible"' });
    await waitForEvents(request, tenant, (e) => e.length == 2);
    await page.evaluate(recycle, ['a1', 'b1']);
    await page.evaluate(recycle, ['a2', 'b2']);
    const all = await waitForEvents(request, tenant, (e) => e.length == 4);
    expect(seen(all).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  test('a skeleton that becomes a card when it gets its product id: seen', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '<main><article id="s" style="height:150px">loading</article></main>', { attrs: 'data-capture="element_visible"' });
    await ready(page);
    await page.evaluate(() => document.getElementById('s')!.setAttribute('data-depict-product-id', 'p9'));
    expect(seen(await waitForEvents(request, tenant, (e) => e.length == 1))).toEqual(['p9']);
  });

  test('an attribute set again to the value it has (a framework re-rendering): no second impression', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `<main>${card('p1')}</main>`, { attrs: 'data-capture="element_visible"' });
    await waitForEvents(request, tenant, (e) => seen(e).includes('p1'));
    await page.evaluate(() => document.querySelector('article')!.setAttribute('data-depict-product-id', 'p1'));
    await addMarker(page);
    const all = await waitForEvents(request, tenant, (e) => seen(e).includes('marker'));
    expect(seen(all)).toEqual(['p1', 'marker']);
  });
});

test('a virtualized list (rows out of the window unmounted, mounted again as new nodes when scrolled back): one impression per product in the page view', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(
    page,
    tenant,
    `<div id="outer" style="height:400px;overflow:auto"><div id="inner" style="position:relative;height:20000px"></div></div>
     <script>
      // rows of 100 px; only those in the 400 px window, and one more on each side, are in the DOM
      var outer = document.getElementById('outer'), inner = document.getElementById('inner'), rows = {};
      function render() {
        var first = Math.max(0, Math.floor(outer.scrollTop / 100) - 1), last = first + 6;
        for (var k in rows) if (k < first || k > last) { rows[k].remove(); delete rows[k]; }
        for (var i = first; i <= last; i++) if (!rows[i]) {
          var el = document.createElement('article');
          el.setAttribute('data-depict-product-id', 'p' + i);
          el.style.cssText = 'position:absolute;top:' + i * 100 + 'px;height:100px;width:100%';
          el.textContent = 'p' + i;
          inner.append(el);
          rows[i] = el;
        }
      }
      outer.addEventListener('scroll', render);
      render();
     </script>`,
    { attrs: 'data-capture="element_visible"' },
  );
  await waitForEvents(request, tenant, (e) => seen(e).includes('p0'));
  await page.evaluate(() => (document.getElementById('outer')!.scrollTop = 3000));
  await waitForEvents(request, tenant, (e) => seen(e).includes('p30'));
  await page.evaluate(() => (document.getElementById('outer')!.scrollTop = 0));
  // the rows mounted again by the scroll are in view a second before the marker is
  await page.waitForFunction(() => document.querySelector('[data-depict-product-id="p0"]'));
  await addMarker(page);
  const all = await waitForEvents(request, tenant, (e) => seen(e).includes('marker'));
  expect(seen(all).filter((p) => p == 'p0' || p == 'p1')).toEqual(['p0', 'p1']);
});

test.describe('hydration that renders the server HTML again as new, identical nodes (React after a mismatch)', () => {
  const SSR = `<main id="root">
    <section data-depict-recommendation-type="similar">
      <article data-depict-product-id="r1" data-depict-recommendation-id="rec-1" style="height:100px"><a href="#r1">r1</a></article>
    </section>
    <article data-depict-product-id="p1" style="height:100px"><a href="#p1">p1</a></article>
  </main>`;

  /** Renders the root again `ms` after the snippet started (on a phone, it may be seconds). */
  const hydrate = (ms: number) => `<script>
    (function wait() {
      if (!(window.depict && window.depict.loaded)) return setTimeout(wait, 5);
      setTimeout(function () {
        var root = document.getElementById('root'), html = root.innerHTML;
        root.textContent = '';
        root.insertAdjacentHTML('beforeend', html);
        window.hydrated = true;
      }, ${ms});
    })();
  </script>`;

  for (const ms of [100, 1500])
    test(`${ms} ms after the snippet started: one recommendations_inserted, one impression per card`, async ({ page, request }, info) => {
      const tenant = tenantOf(info);
      await fixture(page, tenant, SSR + hydrate(ms));
      await page.waitForFunction(() => (window as any).hydrated);
      await addMarker(page);
      const all = await waitForEvents(request, tenant, (e) => seen(e).includes('marker'));
      expect(ofType(all, 'page_view')).toHaveLength(1);
      expect(ofType(all, 'recommendations_inserted')).toHaveLength(1);
      expect(seen(all).sort()).toEqual(['marker', 'p1', 'r1']);
    });

  test('a widget skeleton (already annotated) replaced by the rendered widget: one recommendations_inserted', async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, '<div id="slot"><div data-depict-recommendation-type="similar">loading…</div></div>', {
      attrs: 'data-capture="recommendations_inserted"',
    });
    await waitForEvents(request, tenant, (e) => e.length == 1);
    await page.evaluate(() => {
      document.getElementById('slot')!.innerHTML =
        '<section data-depict-recommendation-type="similar"><article data-depict-product-id="r1" data-depict-recommendation-id="rec-1">r1</article></section>';
      // reported at once, were it reported: before this
      (window as any).depict.track('page_view', { product_id: 'end' });
    });
    const all = await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'end'));
    expect(ofType(all, 'recommendations_inserted')).toHaveLength(1);
  });
});

test.describe('a web component whose annotations are on its host, and its link in its shadow root', () => {
  const DEFINE = `<script>
    customElements.define('product-card', class extends HTMLElement {
      connectedCallback() {
        if (!this.shadowRoot)
          this.attachShadow({ mode: 'open' }).innerHTML =
            '<style>:host{display:block} a{display:block;height:120px}</style><a href="/product/' + this.id + '">' + this.id + '</a>';
      }
    });
    // the SPA's router keeps product links in the page
    document.addEventListener('click', (e) => e.preventDefault());
  </script>`;
  const HOST = `<product-card id="h1" data-depict-product-id="h1" data-depict-recommendation-id="rec-h1"></product-card>${DEFINE}`;

  test("a click carries the product link's URL as page_url", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, HOST, { attrs: 'data-capture="click"' });
    await ready(page);
    await page.locator('product-card a').click();
    const [click] = await waitForEvents(request, tenant, (e) => e.length == 1);
    expect(click).toMatchObject({ type: 'click', product_id: 'h1', recommendation_id: 'rec-h1', page_url: expect.stringMatching(/\/product\/h1$/) });
  });

  test("a middle click (the product opened in a new tab) is a click, and the add to cart there is credited to the recommendation", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, HOST, { attrs: 'data-capture="click add_to_cart"' });
    await ready(page);
    await page.locator('product-card a').click({ button: 'middle' });
    await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'h1' }));
    const all = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1);
    expect(ofType(all, 'click')).toHaveLength(1);
    expect(ofType(all, 'add_to_cart')[0]).toMatchObject({ recommendation_id: 'rec-h1', attribution_id: 'recommendation' });
  });
});
