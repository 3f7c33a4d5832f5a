// A shop's pages and Depict's API are never on one origin. Every send is then a CORS request:
// preflighted (the body is application/json), its answer readable only through the
// collector's CORS headers (a 422's body, a 503's Retry-After), and the send at unload a
// keepalive fetch across sites. Here the shop is a server of its own on 127.0.0.1 and the
// collector is http://localhost:PORT: two sites, as a shop and api.depict.ai are. (Most other
// specs serve their pages at the collector's own origin, where no request is preflighted.)
// The shop is a real server, not a Playwright route: Chromium's Local Network Access blocks a
// routed page (of no address) from loading anything on loopback.
import { expect, test } from './test';
import type { Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE, WIDGET_CARD, expectOnlyNamedEventDropped, faults, ofType, ready, sendStarts, snippetPage, stats, stored, tenantOf, waitForEvents } from './helpers';

/** Each test's page, by path (the test's tenant). */
const pages = new Map<string, string>();
let server: Server;
let SHOP: string;

test.beforeAll(async () => {
  server = createServer((req, res) => {
    const html = pages.get(new URL(req.url!, 'http://x').pathname);
    // (no favicon: a 204, not a 404 in the page's console)
    res.writeHead(html ? 200 : req.url == '/favicon.ico' ? 204 : 404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  SHOP = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(() => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))));

/** Opens the shop's page `/<tenant>?id=1` with `body` and the snippet's tag (`attrs` first, so
 * they win), and returns its URL. */
async function shop(page: Page, tenant: string, body: string, { attrs = '', head = '' } = {}): Promise<string> {
  pages.set(`/${tenant}`, snippetPage(tenant, body, { attrs, head }));
  const url = `${SHOP}/${tenant}?id=1`;
  await page.goto(url);
  return url;
}

test('from a shop on another site: the page view, the widget, an impression, a click and an add to cart each arrive once, with the shop\'s URL', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const url = await shop(page, tenant, WIDGET_CARD);
  expect(new URL(url).origin).not.toBe(new URL(BASE).origin);
  await ready(page);
  await page.click('#card');
  await page.click('#atc');
  const events = await waitForEvents(request, tenant, (e) =>
    ['page_view', 'recommendations_inserted', 'element_visible', 'click', 'add_to_cart'].every((t) => ofType(e, t).length),
  );
  await page.evaluate(() => (window as any).depict.flush());
  expect((await stored(request, tenant)).map((e) => e.type).sort()).toEqual(
    ['add_to_cart', 'click', 'element_visible', 'page_view', 'recommendations_inserted'],
  );
  for (const e of events) expect([url, url + '#p1'], e.type).toContain(e.url);
  expect(ofType(events, 'add_to_cart')[0]).toMatchObject({ product_id: 'p1', recommendation_id: 'r1', entity_price: '10' });
  expect((await stats(request, tenant)).duplicates).toBe(0);
});

test('from a shop on another site, a 422 naming one event: the page reads its body, drops that event only and sends the rest', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await shop(page, tenant, '', { attrs: 'data-batch-ms="60000" data-capture=""' });
  await expectOnlyNamedEventDropped(page, request, tenant);
});

test("from a shop on another site, a 503 with Retry-After: 2: the page reads the header and waits 2 s before it sends again", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await faults(request, tenant, { status: 503, retryAfter: 2, count: 1 });
  await shop(page, tenant, '', { attrs: 'data-capture="page_view"' });
  const [pv] = await waitForEvents(request, tenant, (e) => e.length == 1);
  expect(pv.type).toBe('page_view');
  // by the page's own clock (the test process hears of a request late when the machine is
  // busy, which shortened the gap it measured)
  const at = await sendStarts(page, 2);
  // without the header (not exposed to the page) the first retry comes within a second
  expect(at[1] - at[0]).toBeGreaterThanOrEqual(2000);
  expect((await stats(request, tenant)).faulted).toBe(1);
});

test('from a shop on another site, a page closed right after track(): the send at unload crosses sites and delivers', async ({ context, request }, info) => {
  const tenant = tenantOf(info);
  const page = await context.newPage();
  const url = await shop(page, tenant, '', { attrs: 'data-batch-ms="60000"' });
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'last-words' }));
  await page.close({ runBeforeUnload: true });
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1);
  expect(ofType(events, 'add_to_cart')[0]).toMatchObject({ product_id: 'last-words', url });
});

test('from a shop on another site, an endpoint with a typo: one warning that the API answered 404, the events kept, and sent by the next page once the tag is fixed', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  await shop(page, tenant, '', { attrs: `data-endpoint="${BASE}/create-event" data-capture="page_view"` });
  await expect.poll(() => warnings).toEqual([expect.stringMatching(/^\[depict\] the API answered 404 .*; the events are kept/)]);
  expect(await stored(request, tenant)).toEqual([]);
  // the tag fixed: the next page sends the first page's view with its own
  await shop(page, tenant, '', { attrs: 'data-capture="page_view"' });
  const events = await waitForEvents(request, tenant, (e) => e.length == 2);
  expect(ofType(events, 'page_view')).toHaveLength(2);
});

test("from a shop on another site whose monitoring tool adds its own headers to fetch (Sentry's sentry-trace and baggage, which Sentry 7 adds to any URL with 'localhost' in it): the preflight allows them and every event arrives", { tag: '@bidi-153' }, async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const traced: string[] = [];
  page.on('request', (r) => r.url().includes('/create-events') && r.method() == 'POST' && traced.push(r.headers()['sentry-trace'] ?? 'none'));
  const sentry = `<script>(function () { var of = window.fetch; window.fetch = function (input, init) {
  init = Object.assign({}, init); var h = new Headers(init.headers); h.set('sentry-trace', '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1'); h.set('baggage', 'sentry-environment=dev');
  init.headers = h; return of.call(this, input, init); }; })();</script>`;
  await shop(page, tenant, '', { head: sentry });
  await ready(page);
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'p1' }));
  const events = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1 && ofType(e, 'page_view').length == 1);
  expect(events).toHaveLength(2);
  expect(traced[0]).toMatch(/^0af7/);
  expect((await stats(request, tenant)).duplicates).toBe(0);
});
