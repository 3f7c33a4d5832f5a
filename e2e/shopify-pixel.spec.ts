// A Shopify custom pixel (README, "Shopify: purchases from a custom pixel"), run as the README
// writes it in a stand-in for Shopify's pixel sandbox (shopify-pixel.mjs, which the WebKit
// suite runs too). The storefront, the snippet, the browser and the collector are real.
import { readFileSync } from 'node:fs';
import { expect, test } from './test';
import { CHROMIUM, FIREFOX } from '../playwright.config';
import { BASE, fixture, ofType, stats, stored, tenantOf, waitForEvents } from './helpers';
import { pixelCode, thankYouPage } from './shopify-pixel.mjs';

// A sandboxed iframe has an opaque origin, which Chromium's Local Network Access keeps from
// the collector on loopback (a shop's pixel talks to api.depict.ai, a public address)
test.use({
  launchOptions: async ({ browserName }, use) =>
    use(browserName == 'chromium' ? { ...CHROMIUM, args: [...CHROMIUM.args, '--disable-features=LocalNetworkAccessChecks'] } : FIREFOX),
});

test('a Shopify custom pixel, as the README writes it: each line of the order is a purchase, in the storefront\'s session, attributed to the recommendation clicked there, once however often the Thank you page shows', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // the storefront: a recommended product is clicked
  await fixture(page, tenant, '<div data-depict-recommendation-type="similar"><div data-depict-product-id="8001" data-depict-recommendation-id="rec-8001"><a id="coat" href="#coat">Coat</a></div></div>', {
    url: `${BASE}/products/hat`,
    attrs: 'data-capture="page_view click"',
  });
  await page.click('#coat');
  const [view] = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'click').length == 1), 'page_view');

  // the checkout, then its Thank you page, with the pixel
  const url = `${BASE}/checkouts/c/Z2NwLWV1cm9wZS13ZXN0NDowMUhYRk1OQ0Q4/thank-you`;
  await page.route(url, (route) => route.fulfill({ contentType: 'text/html', body: thankYouPage(pixelCode(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), { tenant, base: BASE })) }));
  await page.goto(url);
  const purchases = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'purchase').length == 2), 'purchase');
  expect(purchases.map(({ product_id, entity_price, currency, variant_ids, session_id, recommendation_id, attribution_id, deduplication_id }) => ({ product_id, entity_price, currency, variant_ids, session_id, recommendation_id, attribution_id, deduplication_id }))).toEqual([
    { product_id: '8001', entity_price: '1299', currency: 'SEK', variant_ids: ['44001'], session_id: view.session_id, recommendation_id: 'rec-8001', attribution_id: 'recommendation', deduplication_id: `${tenant}:se:5012345678:0:8001` },
    { product_id: '8002', entity_price: '499.5', currency: 'SEK', variant_ids: ['44002'], session_id: view.session_id, recommendation_id: undefined, attribution_id: undefined, deduplication_id: `${tenant}:se:5012345678:1:8002` },
  ]);
  // the page the shopper saw (its checkout token redacted), not the sandbox's
  expect(purchases[0].url).toBe(`${BASE}/checkouts/c/redacted/thank-you`);

  // shown again: the same ids, stored once
  await page.reload();
  await expect.poll(async () => (await stats(request, tenant)).duplicates ?? 0).toBe(2);
  expect(ofType(await stored(request, tenant), 'purchase')).toHaveLength(2);
});
