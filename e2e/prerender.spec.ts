// Chrome's real prerendering (speculation rules), which Playwright cannot show: Chromium does
// not prerender while DevTools is attached (PrerenderingDisabledByDevTools), so snippet.spec.ts
// fakes document.prerendering. Here the test starts Chromium itself, headless, with no DevTools
// and no remote debugging, on pages of a tiny server of its own; Playwright is only the runner,
// and its `request` reads the collector. The pages tell the server what they see (the request
// for the prerendered page carries `Sec-Purpose: prefetch;prerender`; the page reports
// document.prerendering and activationStart), and the first page navigates only when the test
// lets it. No flags are needed for prerendering: Chromium's defaults (headless=new) prerender.
import { expect, test } from '@playwright/test';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE, ownChromium, stored, tenantOf, waitForEvents, type Stored } from './helpers';

type Report = Record<string, any> & { phase: string };

/** For /next?stale: reads of the copy see nothing (and removals do nothing) until 200 ms after
 * the page is shown, when it arrives with its storage event, as Chromium delivers another
 * renderer's write. */
const STALE = `<script>(() => {
  let stale = true;
  const get = Storage.prototype.getItem, rm = Storage.prototype.removeItem;
  Storage.prototype.getItem = function (k) { return stale && k == 'depict_unsent' ? null : get.call(this, k); };
  Storage.prototype.removeItem = function (k) { if (!(stale && k == 'depict_unsent')) rm.call(this, k); };
  document.addEventListener('prerenderingchange', () => setTimeout(() => {
    stale = false;
    dispatchEvent(new StorageEvent('storage', { key: 'depict_unsent', newValue: get.call(localStorage, 'depict_unsent'), storageArea: localStorage }));
  }, 200));
})();</script>`;

/** The site: /first (speculation rules for /next; the snippet), /next (the prerendered page),
 * /third (where the shopper goes instead); /report collects what the pages say; /go answers
 * the first page, which then navigates, once the test calls `go()`. */
async function site(tenant: string) {
  const next = (q: URLSearchParams) => '/next' + (q.get('next') ? '?' + q.get('next') : '');
  const reports: Report[] = [];
  const hits: string[] = [];
  let held: ServerResponse | undefined;
  let released = false;
  const tag = `<script async src="${BASE}/depict.js" data-debug data-tenant="${tenant}" data-market="se" data-api-key="k"
  data-endpoint="${BASE}/create-events" data-batch-ms="50"></script>`;
  const report = `<script>function report(o) { fetch('/report?d=' + encodeURIComponent(JSON.stringify(o))); }
function started(then) { (function poll() { window.depict && depict.loaded ? then() : setTimeout(poll, 10); })(); }</script>`;
  const pages: Record<string, (q: URLSearchParams) => string> = {
    // ?next=: the query of the page prerendered; ?cart: an add to cart right before leaving
    '/first': (q) => `${report}${tag}
<script type="speculationrules">{"prerender": [{"urls": [${JSON.stringify(next(q))}]}]}</script>
<script>fetch('/go').then(() => {
  ${q.has('cart') ? "depict.track('add_to_cart', { product_id: 'p-cart' });" : ''}
  location.href = ${JSON.stringify(q.get('then') == 'next' ? next(q) : '/third')};
});</script>`,
    // the listener added before the snippet's runs before it; the one added after, after it
    // ?consent=tool: consent pending on the tag, and the page's consent tool says yes at once
    // ?stale: the add to cart's copy reaches this page's localStorage only after it is shown (Chromium: the
    // first page's write comes from another renderer; seen as an add to cart lost, 1 run in 24 under load)
    '/next': (q) => `${report}${q.has('stale') ? STALE : ''}
<script>report({ phase: 'head', prerendering: document.prerendering, referrer: document.referrer });
document.addEventListener('prerenderingchange', () => report({ phase: 'shown', prerendering: document.prerendering,
  started: !!(window.depict && depict.loaded), activationStart: performance.getEntriesByType('navigation')[0].activationStart }));</script>
${q.get('consent') == 'tool' ? tag.replace('<script ', '<script data-consent="pending" ') : tag}
<script>started(() => {
  ${q.get('consent') == 'tool' ? 'depict.consent(true);' : ''}
  report({ phase: 'started', prerendering: document.prerendering });
  document.addEventListener('prerenderingchange', () => depict.flush().then(() => report({ phase: 'flushed' })));
});</script>`,
    '/third': () => `${report}${tag}<script>started(() => depict.flush().then(() => report({ phase: 'third flushed' })));</script>`,
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    hits.push(`${req.url} ${req.headers['sec-purpose'] ?? ''}`.trim());
    if (url.pathname == '/report') {
      reports.push(JSON.parse(url.searchParams.get('d')!));
      return res.writeHead(204).end();
    }
    if (url.pathname == '/go') return released ? res.end() : void (held = res);
    const page = pages[url.pathname];
    if (!page) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`<!doctype html><html><head><meta charset="utf-8">${page(url.searchParams)}</head><body>${url.pathname}</body></html>`);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    reports,
    hits,
    /** Waits for a report of the phase, and returns it. */
    async reported(phase: string, timeout = 15_000): Promise<Report> {
      await expect.poll(() => reports.some((r) => r.phase == phase), { timeout, message: `the pages reported ${phase}; they said: ${JSON.stringify(reports)}, the server saw ${JSON.stringify(hits)}` }).toBe(true);
      return reports.find((r) => r.phase == phase)!;
    },
    /** Lets the first page navigate. */
    go() {
      released = true;
      held?.end();
    },
    close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  };
}

/** Runs Chromium on `url`, headless, without DevTools, until `body` is done. Its console (the
 * snippet's data-debug lines) is printed when the test fails. */
async function inChromium(url: string, body: () => Promise<void>) {
  const chromium = ownChromium(['--enable-logging=stderr', url], ['ignore', 'ignore', 'pipe']);
  const log: string[] = [];
  chromium.proc.stderr!.on('data', (d) => log.push(...String(d).split('\n').filter((l) => /CONSOLE|prerender/i.test(l))));
  try {
    await body();
  } catch (e) {
    console.log(`Chromium's console:\n${log.join('\n')}`);
    throw e;
  } finally {
    await chromium.close();
  }
}

const at = (events: Stored[], path: string) => events.filter((e) => new URL(e.url).pathname == path);

test.describe('Chrome prerenders a page (speculation rules), no DevTools attached', { tag: '@chromium-only' }, () => {
  for (const [title, query] of [
    ['never shown: nothing of it is stored or sent, not even by the next page', ''],
    ['never shown, its consent tool having said yes in it (consent pending on the tag): nothing either', '&next=consent%3Dtool'],
  ])
  test(title, async ({ request }, info) => {
    const tenant = tenantOf(info);
    const s = await site(tenant);
    try {
      await inChromium(`${s.origin}/first?then=third${query}`, async () => {
        expect(await s.reported('head'), 'Chromium prerendered /next').toMatchObject({ prerendering: true });
        expect(s.hits.some((h) => /^\/next\S* prefetch;prerender$/.test(h))).toBe(true);
        expect(await s.reported('started'), 'the snippet started while /next was prerendering').toMatchObject({ prerendering: true });
        expect(at(await stored(request, tenant), '/next')).toEqual([]);
        s.go(); // the shopper goes to /third instead: Chromium discards the prerendered /next
        await s.reported('third flushed'); // /third sent what the queue held, other pages' events too
        const events = await waitForEvents(request, tenant, (e) => at(e, '/third').length == 1);
        expect(events.map((e) => [e.type, new URL(e.url).pathname]).sort()).toEqual([
          ['page_view', '/first'],
          ['page_view', '/third'],
        ]);
        expect(s.reports.filter((r) => r.phase == 'shown')).toEqual([]);
      });
    } finally {
      await s.close();
    }
  });

  for (const [when, query] of [['', ''], [' (the copy reaches the shown page late)', '&next=stale']])
  test('shown: one page view, sent when it is shown, with its URL and referrer; an add to cart on the page before it arrives too' + when, async ({ request }, info) => {
    const tenant = tenantOf(info);
    const s = await site(tenant);
    const first = `${s.origin}/first?then=next&cart${query}`;
    const next = `/next${query && '?stale'}`;
    try {
      await inChromium(first, async () => {
        expect(await s.reported('head'), 'Chromium prerendered /next').toMatchObject({ prerendering: true, referrer: first });
        expect(s.hits).toContain(`${next} prefetch;prerender`);
        expect(await s.reported('started'), 'the snippet started while /next was prerendering').toMatchObject({ prerendering: true });
        // the first page's view arrives; the prerendered page's does not (as long as it is not shown)
        await waitForEvents(request, tenant, (e) => at(e, '/first').length == 1);
        expect(at(await stored(request, tenant), '/next')).toEqual([]);
        s.go(); // the first page goes to /next: Chromium shows the prerendered page
        const shown = await s.reported('shown');
        expect(shown).toMatchObject({ prerendering: false, started: true });
        expect(shown.activationStart).toBeGreaterThan(0);
        await s.reported('flushed'); // /next's flush() after it was shown
        // the add to cart, left to the next page as the first was left: that page has sent it
        const events = await waitForEvents(request, tenant, (e) => at(e, '/next').length > 0 && e.some((x) => x.type == 'add_to_cart'));
        expect(at(events, '/next').map((e) => [e.type, e.url, e.document_referrer])).toEqual([['page_view', s.origin + next, first]]);
        expect(events.filter((e) => e.type == 'add_to_cart').map((e) => [e.product_id, new URL(e.url).pathname])).toEqual([['p-cart', '/first']]);
        expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
        expect(s.hits.filter((h) => h.startsWith('/next'))).toEqual([`${next} prefetch;prerender`]); // shown, not loaded again
      });
    } finally {
      await s.close();
    }
  });
});
