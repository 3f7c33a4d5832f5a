// A Shopify custom pixel as the README writes it, and the Thank you page that runs it in a
// stand-in for Shopify's pixel sandbox: shared by the Playwright spec (shopify-pixel.spec.ts)
// and the WebKit suite, which serve the page each their own way.
//
// Shopify runs a custom pixel in a sandboxed iframe with no storage of its own, and gives it
// `analytics` (the customer events) and `browser` (the top page's storage, asynchronously).
// Here an iframe with sandbox="allow-scripts" (an opaque origin, as there) stands in for it,
// and the Thank you page answers its `browser.localStorage` calls and sends it
// `checkout_completed` over postMessage.

const SETTINGS = "const DEPICT = { tenant: 'acme', market: 'se', apiKey: 'YOUR-KEY' };";
const SRC = "const SRC = 'https://YOUR-CDN/depict.js';";

/** The README's pixel code, with the test's settings where a shop puts its own; throws when
 * the README no longer has it as written. */
export function pixelCode(readme, { tenant, base }) {
  const section = readme.slice(readme.indexOf('#### Shopify: purchases from a custom pixel'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  if (!code.includes(SETTINGS) || !code.includes(SRC)) throw new Error("the README's pixel code is not as the test expects");
  return code
    .replace(SETTINGS, `const DEPICT = { tenant: '${tenant}', market: 'se', apiKey: 'k', endpoint: '${base}/create-events', batchMs: 50 };`)
    .replace(SRC, `const SRC = '${base}/depict.js';`);
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

/** An order of two lines, as Shopify's `checkout_completed` carries it. */
export const CHECKOUT = {
  order: { id: '5012345678' },
  currencyCode: 'SEK',
  lineItems: [
    { variant: { id: '44001', price: { amount: 1299 }, product: { id: '8001' } } },
    { variant: { id: '44002', price: { amount: 499.5 }, product: { id: '8002' } } },
  ],
};

/** The Thank you page: no theme script, the pixel's iframe, and Shopify's side of the bridge. */
export const thankYouPage = (pixel, checkout = CHECKOUT) => `<!doctype html><html><head><meta charset="utf-8"></head><body>
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
