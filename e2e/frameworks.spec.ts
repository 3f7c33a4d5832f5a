// What front-end frameworks do to product cards, and what arrives: a node recycled for another
// product (a virtual list's pool, a list patched in place), hydration that renders the server's
// widget and cards again as new nodes, rows unmounted and mounted again, and web components
// whose link is in a shadow root. In each, a product in view gets one impression per page view,
// a widget one recommendations_inserted, and a click carries the product the shopper clicked.
//
// Where a test expects something *not* to be sent, it waits for an event that is sent after
// it would have been: a marker card added after the change, whose impression takes the same
// second of dwell, or a track() call made after a change that is reported at once.
import { expect, test } from './test';
import { BASE, fixture, ofType, ready, tenantOf, waitForEvents, type Stored } from './helpers';
import type { Page } from '@playwright/test';
import { resolve } from 'node:path';

/** Adds a card of product `marker` at the top of the page (in view). */
const addMarker = (page: Page) => page.evaluate(() => document.body.insertAdjacentHTML('afterbegin', '<article data-depict-product-id="marker" style="height:50px">marker</article>'));

const seen = (events: Stored[]) => ofType(events, 'element_visible').map((e) => e.product_id);

/** Serves the real Vue and vue-virtual-scroller (devDependencies, as published: ES modules, no
 * build step) at /vendor/, from node_modules; pages import 'vue' through an import map. */
const vendor = (page: Page) =>
  page.route(`${BASE}/vendor/**`, (route) => route.fulfill({ path: resolve('node_modules', new URL(route.request().url()).pathname.slice(8)) }));
const VUE = `<script type="importmap">{"imports":{"vue":"/vendor/vue/dist/vue.esm-browser.prod.js"}}</script>`;

/** Scrolls `sel` (the page: null) to `to`, 50 px a frame, as a shopper's wheel does. */
const scrollTo = (page: Page, to: number, sel: string | null = null) =>
  page.evaluate(
    ([to, sel]) =>
      new Promise<void>((done) => {
        const el = sel ? document.querySelector(sel)! : document.scrollingElement!;
        (function step() {
          el.scrollTop += Math.sign(to - el.scrollTop) * Math.min(50, Math.abs(to - el.scrollTop));
          el.scrollTop == to ? done() : requestAnimationFrame(step);
        })();
      }),
    [to, sel] as const,
  );

test.describe('a node recycled for another product out of view', () => {
  test("vue-virtual-scroller's RecycleScroller, its pool of nodes moved with transforms as the shopper scrolls: each product in view a second is seen once, on whichever node", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await vendor(page);
    await fixture(
      page,
      tenant,
      `<link rel="stylesheet" href="/vendor/vue-virtual-scroller/dist/vue-virtual-scroller.css">${VUE}
      <div id="app"></div>
      <script type="module">
        import { createApp } from 'vue';
        import { RecycleScroller } from '/vendor/vue-virtual-scroller/dist/vue-virtual-scroller.js';
        const items = Array.from({ length: 1000 }, (_, i) => ({ id: 'p' + i }));
        createApp({
          components: { RecycleScroller },
          data: () => ({ items }),
          template: '<RecycleScroller id="list" style="height:400px" :items="items" :item-size="100" key-field="id" v-slot="{ item }">' +
            '<article :data-depict-product-id="item.id" style="height:100px">{{ item.id }}</article></RecycleScroller>',
          mounted() {
            // each node remembers the product it was made for
            this.$nextTick(() => document.querySelectorAll('article').forEach((a) => (a.first = a.dataset.depictProductId)));
          },
        }).mount('#app');
      </script>`,
      { attrs: 'data-capture="element_visible"' },
    );
    const firsts = ['p0', 'p1', 'p2', 'p3'];
    await waitForEvents(request, tenant, (e) => firsts.every((p) => seen(e).includes(p)));
    // a second at each of 4 rows, 1,000 px apart: the pool's few nodes show them all
    for (let row = 10; row <= 40; row += 10) {
      await scrollTo(page, row * 100, '#list');
      await waitForEvents(request, tenant, (e) => [0, 1, 2, 3].every((i) => seen(e).includes('p' + (row + i))));
    }
    // the last rows are on nodes made for the first ones (and seen as those)
    const made = await page.evaluate(() => [0, 1, 2, 3].map((i) => (document.querySelector(`[data-depict-product-id="p${40 + i}"]`) as any).first));
    expect(made.filter((p) => firsts.includes(p)).length).toBeGreaterThan(0);
    await addMarker(page);
    const all = seen(await waitForEvents(request, tenant, (e) => seen(e).includes('marker')));
    expect(all.length).toBe(new Set(all).size);
  });

  test("Vue's v-for without :key, patched in place by a client-side filter: a card seen before comes back into view as its new product, and is seen", async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await vendor(page);
    await fixture(
      page,
      tenant,
      `${VUE}<div id="app"></div>
      <script type="module">
        import { createApp } from 'vue';
        window.app = createApp({
          data: () => ({ ids: ['a1', 'a2'] }),
          template: '<main><article v-for="id in ids" :data-depict-product-id="id" style="height:150px">{{ id }}</article><div style="height:3000px"></div></main>',
        }).mount('#app');
      </script>`,
      { attrs: 'data-capture="element_visible"' },
    );
    await waitForEvents(request, tenant, (e) => e.length == 2);
    const before = await page.evaluateHandle(() => document.querySelector('article'));
    await page.evaluate(() => ((window as any).app.ids = ['b1', 'b2']));
    await page.waitForFunction(() => document.querySelector('article')!.textContent == 'b1');
    // the same nodes
    expect(await page.evaluate((el) => el == document.querySelector('article'), before)).toBe(true);
    await scrollTo(page, 1000);
    await scrollTo(page, 0);
    const all = await waitForEvents(request, tenant, (e) => e.length == 4);
    expect(seen(all).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
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
