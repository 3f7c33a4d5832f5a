import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';
import { spawn, type StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, CHROMIUM } from '../playwright.config';

export { BASE };

/** An event as the collector lists it: the API's fields plus `_`-prefixed metadata. */
export type Stored = Record<string, any>;

/** A tenant of this test's own, so parallel tests never see each other's events or faults. */
export function tenantOf(info: TestInfo): string {
  return 't' + info.testId.replace(/[^a-z0-9]/gi, '').slice(-12) + info.repeatEachIndex + info.retry;
}

/** The events the collector stored for a tenant, oldest first. */
export async function stored(request: APIRequestContext, tenant: string): Promise<Stored[]> {
  const res = await request.get(`${BASE}/events?tenant=${encodeURIComponent(tenant)}`);
  expect(res.ok()).toBe(true);
  return res.json();
}

/** A URL without its origin: what the logs of a failed test show. */
export const pathOf = (u: string) => u.replace(/^https?:\/\/[^/]+/, '');

/** Waits until the collector holds events for `tenant` that satisfy `until`, and returns them. */
export async function waitForEvents(
  request: APIRequestContext,
  tenant: string,
  until: (events: Stored[]) => boolean,
  timeout = 10_000,
): Promise<Stored[]> {
  let last: Stored[] = [];
  await expect
    .poll(async () => until((last = await stored(request, tenant))), {
      timeout,
      intervals: [100, 200, 300],
    })
    .toBe(true)
    .catch((e: Error) => {
      // one line, which CI's summary of a failed test (scripts/report.mjs) shows whole
      const brief = last.map(({ type, product_id, url }) => [type, url && pathOf(url), product_id].filter(Boolean).join(' '));
      e.message += `\nthe collector has ${last.length}: ${brief.join(', ') || 'nothing'}`;
      throw e;
    });
  return last;
}

export const ofType = (events: Stored[], type: string) => events.filter((e) => e.type == type);

/** Turns fault injection on for a tenant (or off, with no options). */
export async function faults(request: APIRequestContext, tenant: string, opts?: object): Promise<void> {
  const url = `${BASE}/__faults?tenant=${encodeURIComponent(tenant)}`;
  const res = opts ? await request.post(url, { data: opts }) : await request.delete(url);
  expect(res.ok()).toBe(true);
}

/** Collector stats for a tenant: every event received (duplicates and faults included). */
export async function stats(request: APIRequestContext, tenant: string): Promise<Record<string, number>> {
  return (await request.get(`${BASE}/stats?tenant=${encodeURIComponent(tenant)}`)).json();
}

/**
 * Points the snippet on every page of this context at the test's tenant: `window.depictConfig`
 * wins over the script tag's attributes.
 */
export async function useTenant(page: Page, tenant: string, extra: object = {}): Promise<void> {
  await page.context().addInitScript(
    ([t, x]) => ((window as any).depictConfig = { tenant: t, batchMs: 50, ...(x as object) }),
    [tenant, extra] as const,
  );
}

/**
 * Serves `body` as a page at `url` (by default on the collector's own origin), with the
 * snippet's script tag (`attrs` come first, so they win over the defaults: the first of two
 * equal attributes counts). The page comes from the test; the snippet, the browser and the
 * collector are real.
 */
export async function fixture(
  page: Page,
  tenant: string,
  body: string,
  { url = `${BASE}/fixture`, attrs = '', head = '' } = {},
): Promise<void> {
  await page.route(url.split('?')[0] + '*', (route) =>
    route.fulfill({ contentType: 'text/html', body: snippetPage(tenant, body, { attrs, head }) }),
  );
  await page.goto(url);
}

/** A page with `head`, then the snippet's script tag for `tenant` (`attrs` first, so they
 * win), sending to the collector; and `body`. */
export const snippetPage = (tenant: string, body: string, { attrs = '', head = '' } = {}) =>
  `<!doctype html><html><head><meta charset="utf-8">${head}
<script async src="${BASE}/depict.js" ${attrs} data-tenant="${tenant}" data-market="se" data-api-key="k"
  data-endpoint="${BASE}/create-events" data-batch-ms="50"></script></head>
<body>${body}</body></html>`;

/**
 * On a page whose snippet runs with `data-batch-ms="60000" data-capture=""` (nothing is sent
 * until a flush): tracks three impressions, has the collector refuse the one of product b
 * with a 422 naming it, flushes, and expects the other two stored and one batch rejected.
 */
export async function expectOnlyNamedEventDropped(page: Page, request: APIRequestContext, tenant: string): Promise<void> {
  await page.evaluate(() => ['a', 'b', 'c'].forEach((p) => (window as any).depict.track('element_visible', { product_id: p })));
  // reject the event of product b by its dedup id, read from the queue
  const rejectId = (await queued(page, 3)).find((e) => e.product_id == 'b')!.deduplication_id;
  await faults(request, tenant, { reject: [rejectId] });
  await page.evaluate(() => (window as any).depict.flush());
  const events = await waitForEvents(request, tenant, (e) => e.length == 2);
  expect(events.map((e) => e.product_id).sort()).toEqual(['a', 'c']);
  expect((await stats(request, tenant)).rejected_batches).toBe(1);
}

/** Waits until the page has made `n` sends to the API, and returns when it started each (ms,
 * the page's own clock: Resource Timing; an entry is added once its response has been read,
 * which may be after the collector stored the events). */
export async function sendStarts(page: Page, n: number): Promise<number[]> {
  const h = await page.waitForFunction((n) => {
    const t = performance.getEntriesByType('resource').filter((r) => r.name.includes('/create-events'));
    return t.length >= n && t.map((r) => r.startTime);
  }, n);
  return h.jsonValue() as Promise<number[]>;
}

/** The page as in a browser without the Navigation API (Safari before 26.2, Firefox before
 * 147): the snippet then wraps the history methods and listens to popstate. */
export async function withoutNavigationApi(page: Page): Promise<void> {
  await page.addInitScript(() => Object.defineProperty(window, 'navigation', { value: undefined }));
}

/** The browser's back or forward button between entries of one document (a pushState router's
 * pages), as the page's own `history.back()`: Playwright's goBack and goForward wait forever
 * for such a traversal over WebDriver BiDi in Firefox ESR 140. The caller waits for the page. */
export async function traverse(page: Page, how: 'back' | 'forward'): Promise<void> {
  await page.evaluate((how) => (how == 'back' ? history.back() : history.forward()), how);
}

/** Waits until the snippet has started on the page: clicks before that are not seen (it
 * loads `async`, as shops embed it). */
export async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).depict?.loaded);
}

/** Waits until the snippet's IndexedDB queue holds `n` events, and returns them. */
export async function queued(page: Page, n: number): Promise<Stored[]> {
  const read = () =>
    page.evaluate(async () => {
      const db: IDBDatabase = await new Promise((ok, ko) => {
        const r = indexedDB.open('depict');
        r.onsuccess = () => ok(r.result);
        r.onerror = ko;
      });
      const names = Array.from(db.objectStoreNames);
      const all: any[] = names.length
        ? await new Promise((ok) => (db.transaction('events').objectStore('events').getAll().onsuccess = (e: any) => ok(e.target.result)))
        : [];
      db.close();
      return all.map((r) => r.e);
    });
  let events: Stored[] = [];
  await expect.poll(async () => (events = await read()).length).toBe(n);
  return events;
}

/** A product in a recommendation widget: a card link (#card) and an add-to-cart button (#atc). */
export const WIDGET_CARD = `
<section data-depict-recommendation-type="similar">
  <article data-depict-product-id="p1" data-depict-recommendation-id="r1" data-depict-entity-price="10">
    <a id="card" href="#p1">p1</a>
    <button id="atc" class="depict-add-to-cart">add</button>
  </article>
</section>`;

/**
 * Chromium started by the test itself, headless, on a profile of its own (a temporary folder;
 * `localState`: its Local State file), for what Playwright cannot show: a page without DevTools
 * attached (prerendering), tabs hidden behind others. `close()` kills it and its children, and
 * removes the profile once it has exited.
 */
export function ownChromium(args: string[], stdio: StdioOptions, localState?: object) {
  const dir = mkdtempSync(join(tmpdir(), 'depict-chromium-'));
  if (localState) writeFileSync(join(dir, 'Local State'), JSON.stringify(localState));
  const proc = spawn(CHROMIUM.executablePath, [...CHROMIUM.args, '--headless=new', '--no-sandbox', '--no-first-run', `--user-data-dir=${dir}`, ...args], {
    detached: true,
    stdio,
  });
  const exited = new Promise((ok) => proc.once('exit', ok));
  return {
    proc,
    async close() {
      try {
        process.kill(-proc.pid!, 'SIGKILL'); // the browser and its children
      } catch {}
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
