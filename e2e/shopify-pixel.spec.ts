// A Shopify custom pixel (README, "Shopify: purchases from a custom pixel"), run as the README
// writes it. Shopify runs custom pixels in a sandboxed iframe with no storage of its own and
// gives them `analytics` (the customer events) and `browser` (the top page's storage,
// asynchronously); here an iframe with sandbox="allow-scripts" (an opaque origin, as there)
// stands in for it, and the Thank you page answers its `browser.localStorage` calls and sends
// it `checkout_completed` over postMessage. The storefront, the snippet, the browser and the
// collector are real.
import { readFileSync } from 'node:fs';
import { expect, test } from './test';
import { BASE, fixture, ofType, stats, stored, tenantOf, waitForEvents } from './helpers';

// A sandboxed iframe has an opaque origin, which Chromium's Local Network Access keeps from
// the collector on loopback (a shop's pixel talks to api.depict.ai, a public address)
test.use({
  launchOptions: async ({ browserName }, use) =>
    use(
      browserName == 'chromium'
        ? {
            executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
            args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1', '--disable-features=LocalNetworkAccessChecks'],
          }
        : { executablePath: process.env.FIREFOX_PATH || '/usr/bin/firefox-esr' },
    ),
});

/** The README's pixel code, with the test's settings where a shop puts its own. */
function pixelCode(tenant: string): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('#### Shopify: purchases from a custom pixel'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1];
  const settings = "const DEPICT = { tenant: 'acme', market: 'se', apiKey: 'YOUR-KEY' };";
  const src = "const SRC = 'https://YOUR-CDN/depict.js';";
  expect(code).toContain(settings);
  expect(code).toContain(src);
  return code
    .replace(settings, `const DEPICT = { tenant: '${tenant}', market: 'se', apiKey: 'k', endpoint: '${BASE}/create-events', batchMs: 50 };`)
    .replace(src, `const SRC = '${BASE}/depict.js';`);
}

/** Shopify's sandbox, stood in for: `analytics.subscribe` and `browser.localStorage`, answered
 * by the page over postMessage. */
const SANDBOX = `<script>
const waiting = new Map(), handlers = {};
let asked = 0;
addEventListener('message', (e) => {
  const m = e.data;
  if (m.reply) waiting.get(m.reply)(m.value);
  if (m.event) (handlers[m.event.name] || []).forEach((f) => f(m.event));
});
const browser = { localStorage: { getItem: (key) => new Promise((ok) => { waiting.set(++asked, ok); parent.postMessage({ getItem: key, id: asked }, '*'); }) } };
const analytics = { subscribe: (name, f) => { (handlers[name] ||= []).push(f); parent.postMessage({ subscribed: name }, '*'); } };
</script>`;

/** The Thank you page: no theme script, the pixel's iframe, and Shopify's side of the bridge. */
const thankYou = (pixel: string, checkout: object) => `<!doctype html><html><head><meta charset="utf-8"></head><body>
<h1>Thank you for your purchase!</h1>
<iframe sandbox="allow-scripts" srcdoc="${(SANDBOX + '<script>' + pixel + '</script>').replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"></iframe>
<script>
const event = { name: 'checkout_completed', data: { checkout: ${JSON.stringify(checkout)} },
  context: { document: { location: { href: location.href }, referrer: document.referrer }, window: { innerWidth: innerWidth } } };
addEventListener('message', (e) => {
  const m = e.data, pixel = document.querySelector('iframe').contentWindow;
  if (m.getItem) pixel.postMessage({ reply: m.id, value: localStorage.getItem(m.getItem) }, '*');
  if (m.subscribed == 'checkout_completed') pixel.postMessage({ event: event }, '*');
});
</script></body></html>`;

const CHECKOUT = {
  order: { id: '5012345678' },
  currencyCode: 'SEK',
  lineItems: [
    { variant: { id: '44001', price: { amount: 1299 }, product: { id: '8001' } } },
    { variant: { id: '44002', price: { amount: 499.5 }, product: { id: '8002' } } },
  ],
};

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
  await page.route(url, (route) => route.fulfill({ contentType: 'text/html', body: thankYou(pixelCode(tenant), CHECKOUT) }));
  await page.goto(url);
  const purchases = ofType(await waitForEvents(request, tenant, (e) => ofType(e, 'purchase').length == 2), 'purchase');
  expect(purchases.map(({ product_id, entity_price, currency, variant_ids, session_id, recommendation_id, attribution_id, deduplication_id }) => ({ product_id, entity_price, currency, variant_ids, session_id, recommendation_id, attribution_id, deduplication_id }))).toEqual([
    { product_id: '8001', entity_price: '1299', currency: 'SEK', variant_ids: ['44001'], session_id: view.session_id, recommendation_id: 'rec-8001', attribution_id: 'recommendation', deduplication_id: `${tenant}:5012345678:0:8001` },
    { product_id: '8002', entity_price: '499.5', currency: 'SEK', variant_ids: ['44002'], session_id: view.session_id, recommendation_id: undefined, attribution_id: undefined, deduplication_id: `${tenant}:5012345678:1:8002` },
  ]);
  // the page the shopper saw (its checkout token redacted), not the sandbox's
  expect(purchases[0].url).toBe(`${BASE}/checkouts/c/redacted/thank-you`);

  // shown again: the same ids, stored once
  await page.reload();
  await expect.poll(async () => (await stats(request, tenant)).duplicates ?? 0).toBe(2);
  expect(ofType(await stored(request, tenant), 'purchase')).toHaveLength(2);
});
