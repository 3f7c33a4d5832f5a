import { expect, test } from './test';
import type { Page } from '@playwright/test';
import { BASE, fixture, ofType, ready, stored, tenantOf, useTenant, waitForEvents } from './helpers';

test('a recommended card, then add to cart on its product page: attributed to the recommendation', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await useTenant(page, tenant);
  await page.goto('/');
  const card = page.getByTestId('recs-home').getByTestId('product-card').nth(1);
  const recId = await card.getAttribute('data-recommendation-id');
  const pid = await card.getAttribute('data-depict-product-id');
  await ready(page);
  await card.getByTestId('card-link').click();
  await ready(page);
  await page.getByTestId('add-to-cart').click();
  const [atc] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1), 'add_to_cart');
  expect(atc).toMatchObject({ product_id: pid, recommendation_id: recId, attribution_id: 'recommendation' });
});

/** The demo shop's search for "dress", as the tenant: its first result, with its ids. */
async function firstSearchHit(page: Page, tenant: string) {
  await useTenant(page, tenant);
  await page.goto('/search.html?q=dress');
  const hit = page.getByTestId('search-results').getByTestId('product-card').first();
  const srId = await hit.getAttribute('data-depict-search-result-id');
  const pid = await hit.getAttribute('data-depict-product-id');
  await ready(page);
  return { hit, srId, pid };
}

test("add to cart straight from a search result's card, then checkout: the purchase is attributed to the search", async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const { hit, srId, pid } = await firstSearchHit(page, tenant);
  await hit.getByTestId('card-add-to-cart').click();
  const [atc] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1), 'add_to_cart');
  expect(atc).toMatchObject({ product_id: pid, search_result_id: srId, attribution_id: 'search' });
  await page.goto('/cart.html');
  await page.getByTestId('checkout').click();
  await expect(page.getByTestId('order-id')).toBeVisible();
  const [p] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'purchase').length == 1), 'purchase');
  expect(p).toMatchObject({ product_id: pid, search_result_id: srId, attribution_id: 'search' });
});

test('the same through a new tab opened with a middle click', async ({ page, context, request }, info) => {
  const tenant = tenantOf(info);
  await useTenant(page, tenant);
  await page.goto('/');
  const card = page.getByTestId('recs-home').getByTestId('product-card').nth(2);
  const recId = await card.getAttribute('data-recommendation-id');
  await ready(page);
  const [tab] = await Promise.all([context.waitForEvent('page'), card.getByTestId('card-link').click({ button: 'middle' })]);
  await ready(tab);
  await tab.getByTestId('add-to-cart').click();
  // Playwright does not always run init scripts in a tab opened this way, so the new tab may
  // report as the shop's own tenant ("demo"): find its events by the session the tabs share
  const session = (await page.evaluate(() => localStorage.getItem('depict_session')))!.split('.')[0];
  let atc: Record<string, any> | undefined;
  await expect
    .poll(async () => {
      const res = await request.get(`${BASE}/events?session_id=${session}&type=add_to_cart`);
      return (atc = (await res.json())[0]);
    })
    .toBeTruthy();
  expect(atc).toMatchObject({ recommendation_id: recId, attribution_id: 'recommendation', url: expect.stringContaining('product.html') });
});

test("the same through a new tab opened from the link's context menu (a right click, then \"Open link in new tab\"; a long press on Android): no click is sent, and the add to cart there is credited", async ({ page, context, request }, info) => {
  // the menu's "Open link in new tab" fires no event in the page: the right click is all there
  // is, so the product is remembered then, as a click would have it
  const tenant = tenantOf(info);
  await useTenant(page, tenant);
  await page.goto('/');
  const card = page.getByTestId('recs-home').getByTestId('product-card').nth(2);
  const [recId, pid] = [await card.getAttribute('data-recommendation-id'), await card.getAttribute('data-depict-product-id')];
  const link = card.getByTestId('card-link');
  await ready(page);
  await link.click({ button: 'right' });
  const tab = await context.newPage();
  await tab.goto(await link.evaluate((a: HTMLAnchorElement) => a.href), { referer: page.url() });
  await ready(tab);
  await tab.getByTestId('add-to-cart').click();
  const all = await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1 && ofType(e, 'page_view').length == 2);
  expect(ofType(all, 'add_to_cart')[0]).toMatchObject({ product_id: pid, recommendation_id: recId, attribution_id: 'recommendation' });
  await page.evaluate(() => (window as any).depict.flush());
  expect(ofType(await stored(request, tenant), 'click')).toEqual([]);
});

// a right click that credits nothing: off a link (on a card's text, say), or on a link whose
// result id is too long to send (over 2,048 characters), which a click would not remember either
for (const [what, card] of [
  ["off a product link (on a card's text, say) remembers nothing", '<article data-depict-product-id="p1" data-depict-recommendation-id="r1"><p id="right">Shoe</p></article>'],
  [
    'on a product link remembers what a click would: a result id too long to send is not remembered',
    `<article data-depict-product-id="p1" data-depict-recommendation-id="${'r'.repeat(3000)}"><a id="right" href="/fixture?p=1">P1</a></article>`,
  ],
])
  test(`a right click ${what}: a later add to cart of that product is not credited`, async ({ page, request }, info) => {
    const tenant = tenantOf(info);
    await fixture(page, tenant, `${card}<button data-depict-event="add_to_cart" data-depict-product-id="p1">Add</button>`, {
      attrs: 'data-capture="page_view click add_to_cart"',
    });
    await ready(page);
    await page.locator('#right').click({ button: 'right' });
    await page.getByRole('button').click();
    const [atc] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 1), 'add_to_cart');
    expect(atc.recommendation_id).toBeUndefined();
    expect(atc.attribution_id).toBeUndefined();
  });

test('a search result leads to a purchase; a reloaded confirmation adds no purchase', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const { hit, srId, pid } = await firstSearchHit(page, tenant);
  await hit.getByTestId('card-link').click();
  await ready(page);
  await page.getByTestId('add-to-cart').click();
  await page.goto('/cart.html');
  await page.getByTestId('checkout').click();
  await expect(page.getByTestId('order-id')).toBeVisible();
  const purchases = () => waitForEvents(request, tenant, (e) => ofType(e, 'purchase').length == 1);
  const [p] = ofType(await purchases(), 'purchase');
  expect(p).toMatchObject({ product_id: pid, search_result_id: srId, attribution_id: 'search', currency: 'SEK', entity_price: expect.stringMatching(/^\d+\.\d\d$/) });
  await page.reload();
  await expect(page.getByTestId('order-id')).toBeVisible();
  await page.evaluate(() => (window as any).depict.flush());
  await page.reload();
  await page.evaluate(() => (window as any).depict.flush());
  expect(ofType(await stored(request, tenant), 'purchase')).toHaveLength(1);
});

test('the declarative purchase block sends one event per line, once however often it is shown', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await useTenant(page, tenant, { capture: 'purchase' });
  await page.goto('/order-static.html');
  const events = await waitForEvents(request, tenant, (e) => e.length == 2);
  expect(events.map((e) => [e.product_id, e.entity_price, e.currency])).toEqual([
    ['p-1001', '499.00', 'SEK'],
    ['p-1002', '299.00', 'SEK'],
  ]);
  expect(events[1].variant_ids).toEqual(['p-1002-m']);
  await page.reload();
  await page.evaluate(() => (window as any).depict.flush());
  expect(await stored(request, tenant)).toHaveLength(2);
});

test('a malformed order warns and sends nothing of it', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  await fixture(page, tenant, '', { attrs: 'data-capture=""' });
  await page.evaluate(() => {
    const d = (window as any).depict;
    d.purchase({ transaction_id: 'T-1', currency: 'SEK', items: [{ product_id: 'a', price: 10 }, { product_id: 'b' }] });
    return d.flush();
  });
  expect(warnings).toEqual([expect.stringContaining('items[1]')]);
  expect(await stored(request, tenant)).toEqual([]);
});

test('a remembered click expires after the attribution window', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await page.clock.install({ time: new Date('2026-11-01T10:00:00Z') });
  await fixture(page, tenant, `<article data-depict-product-id="p9" data-depict-product-listing-result-id="plr-9"><a href="#x">p9</a></article>
    <button id="atc" data-depict-event="add_to_cart" data-depict-product-id="p9">add</button>`, { attrs: 'data-attribution-hours="1"' });
  await ready(page);
  await page.click('a');
  await page.click('#atc');
  // the page's clock runs on from 10:00 while it loads: two hours on is past the 1 h window
  await page.clock.setSystemTime(new Date('2026-11-01T12:00:00Z'));
  await page.click('#atc');
  const atc = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 2), 'add_to_cart');
  expect(atc.map((e) => [e.product_listing_result_id, e.attribution_id])).toEqual([
    ['plr-9', 'product_listing'],
    [undefined, undefined],
  ]);
});

test('with consent pending nothing is remembered in storage, and nothing is sent', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, `<article data-depict-product-id="p1" data-depict-recommendation-id="r1"><a href="#a">p1</a></article>`, {
    attrs: 'data-consent="pending" data-capture="page_view click add_to_cart"',
  });
  await ready(page);
  await page.click('a');
  await page.evaluate(() => (window as any).depict.track('add_to_cart', { product_id: 'p1' }));
  const storage = await page.evaluate(async () => ({
    local: Object.keys(localStorage),
    dbs: (await indexedDB.databases()).map((d) => d.name),
  }));
  expect(storage).toEqual({ local: [], dbs: [] });
  expect(await stored(request, tenant)).toEqual([]);
  await page.evaluate(() => (window as any).depict.consent(true));
  const events = await waitForEvents(request, tenant, (e) => e.length == 3);
  expect(ofType(events, 'add_to_cart')[0]).toMatchObject({ recommendation_id: 'r1', attribution_id: 'recommendation' });
  expect(await page.evaluate(() => Object.keys(localStorage).sort())).toEqual(['depict_attr', 'depict_session']);
});

test('consent(false) forgets the queue and the storage, and stops', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await fixture(page, tenant, '');
  await waitForEvents(request, tenant, (e) => e.length == 1);
  await page.evaluate(() => (window as any).depict.consent(false));
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'after' }));
  await expect
    .poll(() => page.evaluate(async () => [Object.keys(localStorage).length, (await indexedDB.databases()).length]))
    .toEqual([0, 0]);
  await page.evaluate(() => (window as any).depict.flush());
  expect(await stored(request, tenant)).toHaveLength(1);
  void BASE;
});
