// The snippet in WebKit (WebKitGTK's MiniBrowser, through WebKitWebDriver and
// selenium-webdriver): a smaller suite than e2e/, for what most often differs between
// engines — delivery on unload, IndexedDB, IntersectionObserver, history and the
// back/forward cache, several windows on one queue — and what a shop is paid by
// (attribution, purchases, consent). Run by `node
// e2e-webkit/run.mjs` (under xvfb-run), one test at a time, each in a fresh MiniBrowser.
//
// The demo shop's pages start the snippet with tenant `demo`; a test tells its events from
// the others' by the session id the page keeps in localStorage (every session is a fresh,
// ephemeral profile). Tests that need the snippet started on a broken page, or with another
// config, start it themselves on a page without it (see injectSnippet in helpers.mjs).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { By } from 'selenium-webdriver';
import { readFileSync } from 'node:fs';
import { holdStore, storeTurn } from '../e2e/page-scripts.mjs';
import { pixelCode, thankYouPage } from '../e2e/shopify-pixel.mjs';
import { explain, injectSnippet, ofType, queued, quit, sessionOf, sleep, snippetLoaded, startCollector, startWebKit, until } from './helpers.mjs';

const T = { timeout: 90_000 };
let col;
let webkit;
let driver;
let n = 0;
/** A tenant no other test uses. */
const uniqueTenant = (name) => `wk${Date.now().toString(36)}${n++}${name}`;

describe('the snippet in WebKit', { concurrency: 1 }, () => {
  before(async () => {
    col = await startCollector();
    webkit = await startWebKit();
  });
  after(async () => {
    await webkit?.close();
    await col?.close();
  });
  beforeEach(async () => {
    await col.clear();
    driver = await webkit.session();
    col.explain = (tenant) => explain(driver, col, tenant);
  });
  afterEach(async () => {
    await quit(driver);
    driver = undefined;
  });

  /** A page of the collector's origin that has no snippet: its events list, as JSON. */
  const blank = () => `${col.base}/events?tenant=-`;

  test('a page view and a product click on the demo shop arrive', T, async () => {
    const category = `${col.base}/category.html`;
    await driver.get(category);
    const q = { tenant: 'demo', session_id: await sessionOf(driver) };
    const [pv] = await col.waitFor({ ...q, type: 'page_view' }, (e) => e.length == 1, 'the page view');
    assert.equal(pv.url, category);
    assert.equal(pv.market, 'se');
    assert.equal(pv.document_width, String(await driver.executeScript('return innerWidth')));

    const card = await driver.findElement(By.css('article.card[data-depict-product-id]'));
    const id = await card.getAttribute('data-depict-product-id');
    const link = await card.findElement(By.css('a[href]'));
    const href = await link.getAttribute('href');
    await link.click(); // a real click, which also leaves the page
    await until(async () => (await driver.getCurrentUrl()) == href, 'the product page');
    const events = await col.waitFor(
      q,
      (e) => ofType(e, 'click').length >= 1 && ofType(e, 'page_view').length >= 2,
      'the click and the product page view',
    );
    const [click] = ofType(events, 'click');
    assert.equal(click.product_id, id);
    assert.equal(click.page_url, href);
    assert.equal(click.url, category);
    assert.equal(ofType(events, 'page_view')[1].url, href);
    assert.equal(ofType(events, 'page_view')[1].document_referrer, category);
    await driver.executeScript('return depict.flush()');
    assert.equal(ofType(await col.events(q), 'click').length, 1, 'the click is stored once');
  });

  test('events tracked while the API is unreachable arrive after a reload', T, async () => {
    // WebKitGTK's WebDriver has no offline emulation: the collector itself goes away
    const category = `${col.base}/category.html`;
    await driver.get(category);
    const q = { tenant: 'demo', session_id: await sessionOf(driver) };
    await col.waitFor({ ...q, type: 'page_view' }, (e) => e.length == 1, 'the page view');
    await col.stop();
    await driver.executeScript(`for (let i = 0; i < 5; i++) depict.track('click', { product_id: 'off-' + i })`);
    // all five written to IndexedDB (and not sent) before the page goes
    await until(
      async () => (await queued(driver))?.filter((e) => e.product_id?.startsWith('off-')).length == 5,
      'five clicks queued in IndexedDB',
    );
    await driver.get('about:blank');
    await col.start();
    assert.deepEqual(ofType(await col.events(q), 'click'), [], 'nothing arrived while the API was away');
    await driver.get(category);
    const events = await col.waitFor(q, (e) => ofType(e, 'click').length >= 5, 'the five clicks');
    await sleep(500);
    const clicks = ofType(await col.events(q), 'click');
    assert.deepEqual(clicks.map((e) => e.product_id).sort(), ['off-0', 'off-1', 'off-2', 'off-3', 'off-4']);
    assert.equal(ofType(events, 'page_view').length, 2);
  });

  test('a page left right after track() still delivers', T, async () => {
    const tenant = uniqueTenant('nav');
    await driver.get(blank());
    // a minute's batching: only the snippet's unload path can deliver before the test ends
    await injectSnippet(driver, { tenant, batchMs: 60_000 });
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'last-words' })`);
    await driver.get(`${col.base}/events?tenant=-&away=1`);
    const events = await col.waitFor({ tenant }, (e) => ofType(e, 'add_to_cart').length == 1, 'the add_to_cart');
    assert.equal(ofType(events, 'add_to_cart')[0].product_id, 'last-words');
  });

  test('a window closed right after track() still delivers', T, async () => {
    const tenant = uniqueTenant('close');
    const first = await driver.getWindowHandle();
    await driver.switchTo().newWindow('window');
    await driver.get(blank());
    await injectSnippet(driver, { tenant, batchMs: 60_000 });
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'closing' })`);
    await driver.close();
    await driver.switchTo().window(first);
    const events = await col.waitFor({ tenant }, (e) => ofType(e, 'add_to_cart').length == 1, 'the add_to_cart');
    assert.equal(ofType(events, 'add_to_cart')[0].product_id, 'closing');
  });

  test('a page on another site (127.0.0.1; the API on localhost, as api.depict.ai is to a shop): its page view arrives, and an add to cart made right before its window closes', T, async () => {
    const tenant = uniqueTenant('xsite');
    const first = await driver.getWindowHandle();
    await driver.switchTo().newWindow('window');
    await driver.get(`http://127.0.0.1:${col.port}/events?tenant=-`);
    // every send is preflighted: the body is JSON, to another site
    await injectSnippet(driver, { tenant, endpoint: `${col.base}/create-events`, batchMs: 60_000 });
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'closing' })`);
    await driver.close();
    await driver.switchTo().window(first);
    const events = await col.waitFor({ tenant }, (e) => e.length == 2, 'the page view and the add_to_cart');
    assert.deepEqual(events.map((e) => [e.type, e.url]).sort(), [
      ['add_to_cart', `http://127.0.0.1:${col.port}/events?tenant=-`],
      ['page_view', `http://127.0.0.1:${col.port}/events?tenant=-`],
    ]);
  });

  // WebDriver classic has no init scripts: the page is broken first, then the snippet starts
  // on it (injectSnippet), as it would from its script tag on a page that broke IndexedDB
  const watchErrors = `window.__errors = [];
    addEventListener('error', (e) => __errors.push(String(e.message)));
    addEventListener('unhandledrejection', (e) => __errors.push(String(e.reason)));
    window.__opens = 0;`;

  test('IndexedDB whose open() throws: events are still delivered, from memory', T, async () => {
    const tenant = uniqueTenant('idbthrow');
    await driver.get(blank());
    await injectSnippet(
      driver,
      { tenant, batchMs: 50 },
      `${watchErrors}
      IDBFactory.prototype.open = function () {
        __opens++;
        throw new DOMException('blocked by the test', 'InvalidStateError');
      };`,
    );
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'mem' })`);
    const events = await col.waitFor({ tenant }, (e) => ofType(e, 'add_to_cart').length == 1, 'the add_to_cart');
    assert.equal(ofType(events, 'page_view').length, 1);
    assert.ok((await driver.executeScript('return __opens')) > 0, 'the snippet tried IndexedDB');
    assert.deepEqual(await driver.executeScript('return __errors'), []);
  });

  test('IndexedDB whose open() fails: events are still delivered', T, async () => {
    const tenant = uniqueTenant('idbfail');
    await driver.get(blank());
    await injectSnippet(
      driver,
      { tenant, batchMs: 50 },
      `${watchErrors}
      IDBFactory.prototype.open = function () {
        __opens++;
        const req = {};
        Object.defineProperty(req, 'error', { value: new DOMException('no', 'UnknownError') });
        setTimeout(() => req.onerror && req.onerror({ target: req }));
        return req;
      };`,
    );
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'rejected-open' })`);
    const events = await col.waitFor({ tenant }, (e) => ofType(e, 'add_to_cart').length == 1, 'the add_to_cart');
    assert.equal(ofType(events, 'page_view').length, 1);
    assert.ok((await driver.executeScript('return __opens')) > 0, 'the snippet tried IndexedDB');
    assert.deepEqual(await driver.executeScript('return __errors'), []);
  });

  test('IndexedDB that never answers (another page holds the store): delivered from memory', T, async () => {
    // What a page in WebKit's back/forward cache with a transaction open does to every later
    // page of the site: their transactions wait behind its own, for as long as it is cached.
    const tenant = uniqueTenant('idbheld');
    await driver.get(blank());
    await driver.executeAsyncScript(`${holdStore}.then(arguments[arguments.length - 1])`);
    const holder = await driver.getWindowHandle();
    await driver.switchTo().newWindow('window');
    await driver.get(blank());
    await injectSnippet(driver, { tenant, batchMs: 50 }, watchErrors);
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'held' })`);
    const events = await col.waitFor({ tenant }, (e) => ofType(e, 'add_to_cart').length == 1 && e.length == 2, 'the page view and the add_to_cart');
    assert.equal(ofType(events, 'page_view').length, 1);
    assert.deepEqual(await driver.executeScript('return __errors'), []);
    await driver.close();
    await driver.switchTo().window(holder);
  });

  test('element_visible: once per card, after one second at least half in view', T, async () => {
    const started = Date.now();
    await driver.get(`${col.base}/category.html`);
    const q = { tenant: 'demo', session_id: await sessionOf(driver), type: 'element_visible' };
    /** The product cards at least half in view now. */
    const halfInView = `return [...document.querySelectorAll('article.card[data-depict-product-id]')]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        const w = Math.min(r.right, innerWidth) - Math.max(r.left, 0);
        const h = Math.min(r.bottom, innerHeight) - Math.max(r.top, 0);
        return w > 0 && h > 0 && w * h >= 0.5 * r.width * r.height;
      })
      .map((el) => el.dataset.depictProductId);`;
    const inView = await driver.executeScript(halfInView);
    assert.ok(inView.length > 0, 'some cards are in view');
    const seen = await col.waitFor(q, (e) => e.length >= inView.length, 'element_visible of the cards in view');
    assert.deepEqual(seen.map((e) => e.product_id).sort(), [...inView].sort());
    for (const e of seen) assert.ok(Date.parse(e._received_at) - started >= 1000, `${e.product_id} seen after a second`);

    // a card below the fold, glimpsed for 300 ms: not seen
    const below = await driver.executeScript(`const seen = arguments[0];
      const el = [...document.querySelectorAll('article.card[data-depict-product-id]')]
        .find((el) => el.getBoundingClientRect().top > innerHeight && !seen.includes(el.dataset.depictProductId));
      return el && el.dataset.depictProductId;`, inView);
    assert.ok(below, 'a card below the fold');
    const scrollTo = `document.querySelector('[data-depict-product-id="${below}"]').scrollIntoView({ block: 'center' })`;
    await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
      ${scrollTo};
      setTimeout(() => (scrollTo(0, 0), done()), 300);`);
    await sleep(2000);
    assert.deepEqual((await col.events(q)).filter((e) => e.product_id == below), [], `${below} was in view for 300 ms only`);

    // the same card, kept in view: seen, once, a second or more after it came into view
    const shown = Date.now();
    await driver.executeScript(scrollTo);
    const [e] = (await col.waitFor(q, (e) => e.some((x) => x.product_id == below), `element_visible of ${below}`)).filter(
      (x) => x.product_id == below,
    );
    assert.ok(Date.parse(e._received_at) - shown >= 1000, 'seen after a second in view');
    await driver.executeScript('return depict.flush()');
    const all = await col.events(q);
    assert.equal(new Set(all.map((x) => x.product_id)).size, all.length, 'each card is seen once');
  });

  test("cards in view but not shown (a fade carousel's other slides, a closed menu) are not seen; a click on a swatch's <label> is one click", T, async () => {
    const tenant = uniqueTenant('shown');
    await driver.get(blank());
    await driver.executeScript(`document.body.innerHTML = \`
      <div style="position:relative;height:200px">
        <article data-depict-product-id="slide-1" style="position:absolute;inset:0">slide 1
          <input type="radio" name="c" id="red"><label id="swatch" for="red">Red</label></article>
        <article data-depict-product-id="slide-2" style="position:absolute;inset:0;opacity:0;pointer-events:none">slide 2</article>
      </div>
      <nav style="visibility:hidden"><article data-depict-product-id="menu-1" style="height:50px">menu</article></nav>\``);
    await injectSnippet(driver, { tenant, batchMs: 50, capture: 'click element_visible' });
    await col.waitFor({ tenant }, (e) => ofType(e, 'element_visible').length == 1, 'element_visible of slide 1');
    await driver.findElement(By.id('swatch')).click();
    assert.equal(await driver.executeScript(`return document.getElementById('red').checked`), true, 'the label passed its click on');
    // a card shown now is seen a second later, by when the hidden ones were looked at again
    await driver.executeScript(`document.body.insertAdjacentHTML('afterbegin', '<article data-depict-product-id="marker">marker</article>')`);
    const events = await col.waitFor({ tenant }, (e) => e.some((x) => x.product_id == 'marker'), 'element_visible of the marker');
    assert.deepEqual(ofType(events, 'element_visible').map((e) => e.product_id), ['slide-1', 'marker']);
    assert.deepEqual(ofType(events, 'click').map((e) => e.product_id), ['slide-1']);
  });

  // Safari before 26.2 (most iPhones today) has no Navigation API: there the snippet wraps
  // pushState/replaceState and listens to popstate. The tests say which path this WebKit took.
  /** Which way the snippet watches navigations in the page that is open. */
  const navPath = async () =>
    (await driver.executeScript(`return 'navigation' in window`))
      ? 'Navigation API'
      : /\[native code\]/.test(await driver.executeScript('return String(history.pushState)'))
        ? 'none (history not wrapped)'
        : 'wrapped pushState/replaceState + popstate';

  test('client-side navigations (pushState, popstate, replaceState) are page views with the previous URL as referrer', T, async (t) => {
    const category = `${col.base}/category.html`;
    await driver.get(category);
    await snippetLoaded(driver);
    const path = await navPath();
    t.diagnostic(`navigations seen through: ${path}`);
    assert.notEqual(path, 'none (history not wrapped)');
    const q = { tenant: 'demo', session_id: await sessionOf(driver), type: 'page_view' };
    await col.waitFor(q, (e) => e.length == 1, 'the first page view');
    // the shop's filter link: a router's pushState
    await driver.findElement(By.css('[data-testid="filter-dresses"]')).click();
    await until(async () => (await driver.getCurrentUrl()) == `${category}?cat=dresses`, 'the filtered URL');
    await col.waitFor(q, (e) => e.length == 2, 'the pushState page view');
    // the back button: popstate
    await driver.navigate().back();
    await until(async () => (await driver.getCurrentUrl()) == category, 'the URL before the filter');
    await col.waitFor(q, (e) => e.length == 3, 'the popstate page view');
    // replaceState to the same URL and a hash change are no page views; a new query is one
    await driver.executeScript(`history.replaceState({ x: 1 }, '', location.href);
      history.pushState({}, '', '#details');`);
    await driver.executeScript(`history.replaceState({}, '', '/category.html?cat=shoes')`);
    // a last navigation: a page view from anything above would have arrived before it
    await driver.executeScript(`history.pushState({}, '', '/category.html?cat=tops')`);
    const views = await col.waitFor(q, (e) => e.some((x) => x.url.endsWith('cat=tops')), 'the last page view');
    assert.deepEqual(
      views.map((v) => [v.url.replace(col.base, ''), v.document_referrer?.replace(col.base, '') ?? null]),
      [
        ['/category.html', null],
        ['/category.html?cat=dresses', '/category.html'],
        ['/category.html', '/category.html?cat=dresses'],
        ['/category.html?cat=shoes', '/category.html#details'],
        ['/category.html?cat=tops', '/category.html?cat=shoes'],
      ],
    );
  });

  test('a widget the router inserts as it navigates is reported once, for the new page', T, async (t) => {
    const tenant = uniqueTenant('spawidget');
    await driver.get(blank());
    await injectSnippet(driver, { tenant, batchMs: 50, capture: 'page_view recommendations_inserted' });
    t.diagnostic(`navigations seen through: ${await navPath()}`);
    await col.waitFor({ tenant }, (e) => e.length == 1, 'the first page view');
    // one task: the URL changes, then the new page renders its widget
    await driver.executeScript(`history.pushState({}, '', '/events?tenant=-&p=2');
      document.body.insertAdjacentHTML('beforeend', '<section data-depict-recommendation-type="similar"></section>');`);
    await col.waitFor({ tenant }, (e) => e.length >= 3, 'the page view and the widget');
    // a last event: a widget reported twice would have arrived before it
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'end' })`);
    const all = await col.waitFor({ tenant }, (e) => e.some((x) => x.product_id == 'end'), 'the last event');
    assert.deepEqual(
      all.filter((e) => e.product_id != 'end').map((e) => [e.type, e.url.replace(col.base, '')]).sort(),
      [
        ['page_view', '/events?tenant=-'],
        ['page_view', '/events?tenant=-&p=2'],
        ['recommendations_inserted', '/events?tenant=-&p=2'],
      ],
    );
    const view = all.find((e) => e.type == 'page_view' && e.url.endsWith('p=2'));
    assert.equal(view.document_referrer, `${col.base}/events?tenant=-`);
  });

  /** On the demo shop's listing, clicks the first card with a listing result id: its session
   * query, product id and result id. */
  async function clickListingCard() {
    await driver.get(`${col.base}/category.html`);
    await snippetLoaded(driver);
    const q = { tenant: 'demo', session_id: await sessionOf(driver) };
    const card = await driver.findElement(By.css('article.card[data-depict-product-listing-result-id]'));
    const pid = await card.getAttribute('data-depict-product-id');
    const plr = await card.getAttribute('data-depict-product-listing-result-id');
    await card.findElement(By.css('a[href]')).click();
    return { q, pid, plr };
  }

  test('a listing click is remembered: the add to cart and the purchase block on later pages carry its result id; a reload adds no purchase', T, async () => {
    const { q, pid, plr } = await clickListingCard();
    // order-static.html's purchase block sells p-1001 (and p-1002, which nobody clicked)
    assert.equal(pid, 'p-1001');
    await until(async () => (await driver.getCurrentUrl()).endsWith(`product.html?id=${pid}`), 'the product page');
    await snippetLoaded(driver);
    // the product page's own button: no result id on it or around it
    await driver.findElement(By.css('[data-testid="add-to-cart"]')).click();
    const [atc] = ofType(await col.waitFor(q, (e) => ofType(e, 'add_to_cart').length == 1, 'the add_to_cart'), 'add_to_cart');
    assert.equal(atc.product_id, pid);
    assert.equal(atc.product_listing_result_id, plr);
    assert.equal(atc.attribution_id, 'product_listing');

    await driver.get(`${col.base}/order-static.html`);
    const purchases = ofType(await col.waitFor(q, (e) => ofType(e, 'purchase').length == 2, 'the two purchases'), 'purchase');
    assert.deepEqual(
      purchases.map((e) => [e.product_id, e.entity_price, e.currency, e.product_listing_result_id, e.attribution_id]),
      [
        [pid, '499.00', 'SEK', plr, 'product_listing'],
        ['p-1002', '299.00', 'SEK', undefined, undefined],
      ],
    );

    // the reload sends the block again (same deduplication_ids): the API keeps one of each
    const before = await col.stats('demo');
    await driver.navigate().refresh();
    await snippetLoaded(driver);
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'end' })`);
    const all = await col.waitFor(q, (e) => e.some((x) => x.product_id == 'end'), 'an event after the reload');
    assert.equal(ofType(all, 'purchase').length, 2, 'no purchase added by the reload');
    assert.equal(ofType(all, 'page_view').length, 4);
    const after = await col.stats('demo');
    assert.ok(after.duplicates - before.duplicates >= 2, 'the reload did send the purchases again');
  });

  test("a Shopify custom pixel, as the README writes it, in a sandboxed iframe on the Thank you page: the purchase carries the storefront's session and the listing click's result id", T, async () => {
    const { q, pid, plr } = await clickListingCard();
    await col.waitFor(q, (e) => ofType(e, 'click').length == 1, 'the listing click');

    // the Thank you page, on the shop's origin, written over a page of it that has no snippet
    const pixel = pixelCode(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), { tenant: 'demo', base: col.base });
    const order = { order: { id: 'WK-1' }, currencyCode: 'SEK', lineItems: [{ variant: { id: `${pid}-m`, price: { amount: 499 }, product: { id: pid } } }] };
    await driver.get(blank());
    await driver.executeScript('document.open(); document.write(arguments[0]); document.close();', thankYouPage(pixel, order));
    const [purchase] = ofType(await col.waitFor(q, (e) => ofType(e, 'purchase').length == 1, 'the pixel\'s purchase'), 'purchase');
    assert.deepEqual(
      [purchase.product_id, purchase.entity_price, purchase.variant_ids, purchase.product_listing_result_id, purchase.attribution_id, purchase.deduplication_id],
      [pid, '499', [`${pid}-m`], plr, 'product_listing', `demo:se:WK-1:0:${pid}`],
    );
  });

  test('a 422 naming one event of a batch drops that event only', T, async () => {
    const tenant = uniqueTenant('reject');
    await driver.get(blank());
    // a minute's batching: the events wait in the queue until the test flushes them
    await injectSnippet(driver, { tenant, batchMs: 60_000, capture: '' });
    await driver.executeScript(`['a', 'b', 'c'].forEach((p) => depict.track('element_visible', { product_id: p }))`);
    const inQueue = await until(async () => {
      const events = await queued(driver);
      return events?.length == 3 && events;
    }, 'three events queued');
    // the collector refuses b's event by its deduplication_id, as the API refuses a bad value
    await col.faults(tenant, { reject: [inQueue.find((e) => e.product_id == 'b').deduplication_id] });
    await driver.executeScript('return depict.flush()');
    const events = await col.waitFor({ tenant }, (e) => e.length == 2, 'a and c');
    assert.deepEqual(events.map((e) => e.product_id).sort(), ['a', 'c']);
    assert.equal((await col.stats(tenant)).rejected_batches, 1);
    // nothing left to send again: b is gone from the queue too
    await until(async () => (await queued(driver))?.length === 0, 'an empty queue');
    await driver.executeScript('return depict.flush()');
    assert.equal((await col.events({ tenant })).length, 2);
    assert.equal((await col.stats(tenant)).rejected_batches, 1);
  });

  test('consent pending: nothing stored, nothing sent; consent(true) sends it all, with its attribution', T, async () => {
    const tenant = uniqueTenant('consent');
    await driver.get(blank());
    await injectSnippet(
      driver,
      { tenant, batchMs: 50, consent: 'pending', capture: 'page_view click add_to_cart' },
      `document.body.insertAdjacentHTML('beforeend',
        '<article data-depict-product-id="p1" data-depict-recommendation-id="r1"><a href="#a" id="p1">p1</a></article>');`,
    );
    await driver.findElement(By.id('p1')).click();
    await driver.executeScript(`depict.track('add_to_cart', { product_id: 'p1' })`);
    // nothing to wait for: give the snippet ten batch delays to send, then look
    const storage = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
      setTimeout(async () => done({
        local: Object.keys(localStorage),
        dbs: (await indexedDB.databases()).map((d) => d.name),
        posts: performance.getEntriesByType('resource').filter((r) => r.name.includes('/create-events')).length,
      }), 500);`);
    assert.deepEqual(storage, { local: [], dbs: [], posts: 0 });
    assert.equal((await col.stats(tenant)).requests, 0);
    assert.deepEqual(await col.events({ tenant }), []);

    await driver.executeScript('depict.consent(true)');
    const events = await col.waitFor({ tenant }, (e) => e.length == 3, 'the page view, the click and the add_to_cart');
    assert.deepEqual(events.map((e) => e.type).sort(), ['add_to_cart', 'click', 'page_view']);
    const [atc] = ofType(events, 'add_to_cart');
    assert.equal(atc.recommendation_id, 'r1');
    assert.equal(atc.attribution_id, 'recommendation');
    assert.deepEqual(await driver.executeScript('return Object.keys(localStorage).sort()'), ['depict_attr', 'depict_session']);
  });

  const category = () => `${col.base}/category.html`;

  /** The demo listing, its page view in, with a mark that only the very same document keeps
   * (a reload would lose it); then a click on its first product link. Gives the query of the
   * listing's session's events. `before` runs just before the click. */
  async function listingThenProduct(before = async () => {}) {
    await driver.get(category());
    await snippetLoaded(driver);
    const q = { tenant: 'demo', session_id: await sessionOf(driver) };
    await col.waitFor({ ...q, type: 'page_view' }, (e) => e.length == 1, 'the page view');
    await driver.executeScript(`window.__kept = 1;
      addEventListener('pageshow', (e) => (window.__restored = e.persisted));`);
    await before();
    const link = await driver.findElement(By.css('article.card[data-depict-product-id] a[href]'));
    const href = await link.getAttribute('href');
    await link.click();
    await until(async () => (await driver.getCurrentUrl()) == href, 'the product page');
    return q;
  }

  /** Back to the listing, which must come from the back/forward cache. */
  async function backToListing() {
    await driver.navigate().back();
    await until(async () => (await driver.getCurrentUrl()) == category(), 'the listing again');
    // WebKitGTK's MiniBrowser does use its page cache under WebDriver (if it ever stops, these
    // tests have nothing to test: they fail here, rather than pass on a reload)
    assert.deepEqual(await driver.executeScript('return [window.__kept, window.__restored]'), [1, true], 'restored from the back/forward cache');
  }

  test('a page restored from the back/forward cache is a new page view, and still sends', T, async () => {
    const q = await listingThenProduct();
    await snippetLoaded(driver);
    await col.waitFor({ ...q, type: 'page_view' }, (e) => e.length == 2, 'the product page view');
    await backToListing();
    const views = await col.waitFor({ ...q, type: 'page_view' }, (e) => e.length == 3, 'the page view of the restore');
    assert.equal(views[2].url, category());
    // the restored page sends again: an add to cart from a card
    await driver.findElement(By.css('article.card[data-depict-product-id] [data-testid="card-add-to-cart"]')).click();
    await col.waitFor({ ...q, type: 'add_to_cart' }, (e) => e.length == 1, 'the add_to_cart of the restored page');
    await driver.executeScript('return depict.flush()');
    assert.equal(ofType(await col.events(q), 'page_view').length, 3, 'one page view for the restore');
  });

  test("a page that goes into the back/forward cache with its transactions waiting does not hold the store: the next page's commit at once", T, async () => {
    // WebKit commits a transaction once its page has had the answers; a page cached before
    // then kept it open, and every later page of the site waited behind it (the snippet's, 3 s,
    // then memory). The snippet commits each as soon as its requests are made. Here another
    // window holds the store while the listing writes and reads, and lets go once the listing
    // is cached.
    let listing, holder;
    const q = await listingThenProduct(async () => {
      listing = await driver.getWindowHandle();
      await driver.switchTo().newWindow('window');
      holder = await driver.getWindowHandle();
      await driver.get(blank());
      await driver.executeAsyncScript(`${holdStore}.then(arguments[arguments.length - 1])`);
      await driver.switchTo().window(listing);
      // an add to cart: its write, and its send's read of the queue, wait for the holder
      await driver.executeScript(`depict.track('add_to_cart', { product_id: 'p-held' })`);
    });
    await driver.switchTo().window(holder);
    await driver.close();
    await driver.switchTo().window(listing);
    // a transaction of the product page's: before, it waited for as long as the listing was
    // cached (the bound: the snippet's own 3 s)
    const turn = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
      Promise.race([${storeTurn}.then(() => 'committed', (e) => 'failed: ' + e), new Promise((r) => setTimeout(r, 2500, 'still waiting'))]).then(done);`);
    assert.equal(turn, 'committed');
    await backToListing();
    const events = await col.waitFor(q, (e) => ofType(e, 'add_to_cart').length == 1 && ofType(e, 'click').length == 1 && ofType(e, 'page_view').length == 3, 'the add to cart, the click, three page views');
    assert.equal(ofType(events, 'add_to_cart')[0].product_id, 'p-held');
  });

  test('three windows tracking at once: every event stored exactly once', T, async (t) => {
    const tenant = uniqueTenant('3win');
    const windows = [await driver.getWindowHandle()];
    for (let i = 1; i < 3; i++) {
      await driver.switchTo().newWindow('window');
      windows.push(await driver.getWindowHandle());
    }
    for (const w of windows) {
      await driver.switchTo().window(w);
      await driver.get(blank());
      await injectSnippet(driver, { tenant, batchMs: 50 });
    }
    t.diagnostic(`Web Locks: ${await driver.executeScript('return !!navigator.locks')}`);
    // the three windows' loops start on one signal, once all three are armed (a start time
    // on the clock had to outlast six WebDriver commands, which a slow machine can overrun)
    for (const [i, w] of windows.entries()) {
      await driver.switchTo().window(w);
      await driver.executeScript(
        `const [i, name] = arguments;
        new BroadcastChannel(name).onmessage = async () => {
          window.__span = [Date.now()];
          for (let j = 0; j < 20; j++) {
            depict.track('click', { product_id: 'win' + i + '-' + j });
            await new Promise((r) => setTimeout(r, 5));
          }
          window.__span.push(Date.now());
        };`,
        i,
        tenant,
      );
    }
    // (a channel's message reaches every other object of its name, this window's own included)
    await driver.executeScript('new BroadcastChannel(arguments[0]).postMessage(1)', tenant);
    await col.waitFor({ tenant }, (e) => ofType(e, 'click').length >= 60, 'the 60 clicks', 20_000).catch(async (e) => {
      // which window's clicks are missing, and what each window did (its loop, its queue)
      const got = new Set(ofType(await col.events({ tenant }), 'click').map((c) => c.product_id));
      for (const [i, w] of windows.entries()) {
        await driver.switchTo().window(w);
        const state = await driver
          .executeScript('return JSON.stringify({ span: window.__span, visibility: document.visibilityState, loaded: !!window.depict?.loaded })')
          .catch((x) => x.message);
        const missing = Array.from({ length: 20 }, (_, j) => 'win' + i + '-' + j).filter((id) => !got.has(id));
        e.message += `\nwindow ${i}: ${state}; missing ${missing.length ? missing : 'none'}; its queue ${JSON.stringify((await queued(driver).catch((x) => x.message)))}`;
      }
      throw e;
    });
    const spans = [];
    for (const w of windows) {
      await driver.switchTo().window(w);
      spans.push(await until(() => driver.executeScript('return window.__span?.[1] && window.__span'), 'the loop done'));
      await driver.executeScript('return depict.flush()');
    }
    // they did track at the same time (no window's timers held back)
    assert.ok(Math.max(...spans.map((s) => s[0])) < Math.min(...spans.map((s) => s[1])), `the loops overlap: ${JSON.stringify(spans)}`);
    const all = await col.events({ tenant });
    const clicks = ofType(all, 'click');
    assert.equal(clicks.length, 60);
    assert.equal(new Set(clicks.map((e) => e.product_id)).size, 60);
    assert.equal(ofType(all, 'page_view').length, 3);
    assert.equal(all.length, 63);
    const s = await col.stats(tenant);
    t.diagnostic(`requests ${s.requests}, events received ${s.events_received}, stored ${s.stored}, duplicates ${s.duplicates}`);
    assert.equal(s.stored, 63);
    for (const w of windows.slice(1)) {
      await driver.switchTo().window(w);
      await driver.close();
    }
    await driver.switchTo().window(windows[0]);
  });
});
