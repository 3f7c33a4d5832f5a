// The live inspector (/inspector) and its stream (GET /events/stream): events appear as the
// shop sends them, filters, hints, rejected batches with their 422 details, and hostile
// values shown as text that runs nothing.
import { expect, test } from './test';
import type { Page } from '@playwright/test';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { BASE, PORT } from '../playwright.config';
import { tenantOf, useTenant } from './helpers';

const HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)">';

/** Opens the inspector, showing only `tenant`, and waits until its stream is live. */
async function inspector(page: Page, tenant: string) {
  const problems: string[] = [];
  page.on('console', (m) => m.type() == 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('dialog', (d) => {
    problems.push('dialog: ' + d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(`${BASE}/inspector?tail=0`);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'live');
  return {
    problems,
    /** Shows `tenant` only, once its first event or rejection has arrived. */
    async only() {
      // by value: a tenant's name may be part of another's (t…10 and t…100 under --repeat-each)
      await expect(page.locator(`#filter-tenant option[value="${tenant}"]`)).toHaveCount(1, { timeout: 10_000 });
      await page.getByTestId('filter-tenant').selectOption(tenant);
    },
    items: page.locator('#feed > li:visible'),
  };
}

/** POSTs a batch to the collector from the test (not a browser), answering its status. */
const post = (body: unknown) =>
  fetch(`http://127.0.0.1:${PORT}/create-events?api_key=k`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => r.status);

test('the shop\'s events appear live, newest first, and filter by type and tenant', { tag: '@bidi-153' }, async ({ page, context }, info) => {
  const tenant = tenantOf(info);
  const view = await inspector(page, tenant);

  const shop = await context.newPage();
  await useTenant(shop, tenant);
  await shop.goto(`${BASE}/`);
  await view.only();
  // the late widget, then its cards seen for a second
  await expect(view.items.filter({ hasText: 'recommendations_inserted' })).toHaveCount(1, { timeout: 10_000 });
  await expect(view.items.filter({ hasText: 'element_visible' }).first()).toBeVisible({ timeout: 10_000 });
  await expect(view.items.last()).toContainText('page_view');

  // a Trending card carries no result id: its click gets a hint
  await shop.getByTestId('trending').getByTestId('card-link').first().click();
  await expect(shop).toHaveURL(/product\.html\?id=p-1001/);
  const click = view.items.filter({ has: page.getByTestId('type').getByText('click', { exact: true }) });
  await expect(click).toHaveCount(1);
  await expect(click).toContainText('p-1001');
  await expect(click.getByTestId('hints')).toContainText('click without a result id');
  await expect(view.items.first()).toContainText(/page_view|recommendations_inserted|element_visible/);

  // filter by type: clicks only, then page views only
  await page.getByTestId('filter-type').selectOption('click');
  await expect(view.items).toHaveCount(1);
  await expect(view.items.getByTestId('type')).toHaveText(['click']);
  await page.getByTestId('filter-type').selectOption('page_view');
  await expect(view.items.getByTestId('type')).toHaveText(['page_view', 'page_view']);
  await expect(page.getByTestId('shown')).toContainText('showing 2 of');

  // another tenant's events are not shown under this tenant's filter
  await post([{ tenant: 'someone-else', market: 'se', type: 'page_view' }]);
  await expect(page.locator('#filter-tenant option', { hasText: 'someone-else' })).toHaveCount(1);
  await expect(view.items.getByTestId('tenant')).toHaveText([tenant, tenant].map((t) => new RegExp('^' + t)));

  // an event opens to show every field
  await page.getByTestId('filter-type').selectOption('click');
  await view.items.first().locator('summary').click();
  await expect(view.items.first().locator('table.fields')).toContainText('deduplication_id');
  await expect(view.items.first().locator('table.fields')).toContainText('page_url');
  expect(view.problems).toEqual([]);
});

test('a rejected batch appears with its 422 details and its body', { tag: '@bidi-153' }, async ({ page }, info) => {
  const tenant = tenantOf(info);
  const view = await inspector(page, tenant);
  expect(await post([{ tenant, type: 'clack', product_id: 42 }])).toBe(422);
  await view.only();
  const rejection = view.items.filter({ has: page.getByTestId('issues') });
  await expect(rejection).toHaveCount(1);
  await expect(rejection).toContainText('rejected 422');
  await expect(rejection).toContainText('3 issues · 1 event');
  await expect(rejection.getByTestId('issues').locator('li')).toHaveText([
    /body › 0 › market\s+Field required\s+missing/,
    /body › 0 › type\s+Input should be 'page_view'.*enum/,
    /body › 0 › product_id\s+Input should be a valid string\s+string_type/,
  ]);
  await rejection.locator('summary').click();
  await expect(rejection.getByTestId('body')).toContainText('"type": "clack"');
  await page.getByTestId('filter-type').selectOption('rejected');
  await expect(view.items).toHaveCount(1);
  await expect(page.getByTestId('count-rejected')).not.toHaveText('0');
  // a batch with more issues than the collector keeps (100) is counted as the answer listed them
  expect(await post(Array.from({ length: 60 }, () => ({ tenant, type: 'clack' })))).toBe(422);
  await expect(view.items).toHaveCount(2);
  await expect(view.items.first()).toContainText('120 issues · 60 events');
  await expect(view.items.first()).toContainText('and 112 more');
  expect(view.problems).toEqual([]);
});

test('hints name what an event lacks; "only with hints" keeps those', { tag: '@bidi-153' }, async ({ page }, info) => {
  const tenant = tenantOf(info);
  const view = await inspector(page, tenant);
  const base = { tenant, market: 'se' };
  expect(
    await post([
      { ...base, type: 'click', product_id: 'p-1' },
      { ...base, type: 'add_to_cart', variant_ids: ['v-1'] },
      { ...base, type: 'element_visible', recommendation_id: 'rec-1' },
      { ...base, type: 'purchase', product_id: 'p-1', entity_price: '10.00' },
      { ...base, type: 'click', product_id: 'p-2', search_result_id: 'sr-2' },
    ]),
  ).toBe(200);
  await view.only();
  await expect(view.items).toHaveCount(5);
  await expect(view.items.getByTestId('hints')).toHaveText([
    /purchase without currency: the sale has no value/,
    /element_visible without product_id/,
    /add_to_cart without product_id/,
    /click without a result id/,
  ]);
  await page.getByTestId('filter-hints').check();
  await expect(view.items).toHaveCount(4);
  await expect(view.items.getByText('sr-2')).toHaveCount(0);

  // paused, what arrives is held back; resumed, it is shown
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('pause')).toHaveAttribute('aria-pressed', 'true');
  expect(await post([{ ...base, type: 'add_to_cart' }])).toBe(200);
  // it has arrived, and is held back
  await expect(page.getByTestId('pause')).toHaveText('Resume (1 new)');
  await expect(view.items).toHaveCount(4);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('pause')).toHaveText('Pause');
  await expect(view.items).toHaveCount(5);
  expect(view.problems).toEqual([]);
});

test('a hostile event is shown as text and runs nothing', { tag: '@bidi-153' }, async ({ page }, info) => {
  const tenant = tenantOf(info);
  const view = await inspector(page, tenant);
  const evil = { tenant, market: HOSTILE, type: 'click', product_id: HOSTILE, url: 'javascript:alert(1)//' + HOSTILE };
  expect(await post([{ ...evil, recommendation_id: HOSTILE, recommendation_type: HOSTILE, [HOSTILE]: HOSTILE }])).toBe(200);
  expect(await post([{ ...evil, type: HOSTILE }])).toBe(422);
  await view.only();
  await expect(view.items).toHaveCount(2);
  for (const item of await view.items.all()) await item.locator('summary').click();
  // the markup is there, as text, in every place it was put
  await expect(view.items.first()).toContainText('rejected 422');
  await expect(view.items.first().getByTestId('body')).toContainText('<img src=x onerror=');
  await expect(view.items.last().getByTestId('title')).toHaveText(HOSTILE);
  await expect(view.items.last().locator('.chip.rid')).toContainText(HOSTILE);
  await expect(view.items.last().locator('table.fields')).toContainText(HOSTILE);
  // and nothing of it became an element, a link, or ran
  await expect(page.locator('#feed img, #feed a, #feed svg, #feed script')).toHaveCount(0);
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(view.problems).toEqual([]);
});

test('the page runs under a strict Content-Security-Policy, with nothing inline', { tag: '@bidi-153' }, async ({ page }) => {
  const res = await page.goto(`${BASE}/inspector`);
  const csp = res!.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(await page.locator('script:not([src]), style, [style]').count()).toBe(0);
  expect(await page.evaluate(() => [...document.querySelectorAll('[onclick],[onload],[onerror]')].length)).toBe(0);
});

type Message = { id?: string; event?: string; data?: any };

/**
 * Listens to GET /events/stream: `open` resolves once the stream answered, `messages` once
 * `count` messages (with an `event:`) have come, each with the last `id:` seen.
 */
function stream(query: string, count: number, lastEventId?: string) {
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const messages = new Promise<Message[]>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: PORT, path: '/events/stream?' + query, headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {} },
      (res: IncomingMessage) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        opened();
        const got: Message[] = [];
        let buffer = '';
        let id: string | undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end; (end = buffer.indexOf('\n\n')) >= 0; ) {
            const m: Message = {};
            for (const line of buffer.slice(0, end).split('\n')) {
              const [, k, v] = /^(\w+): ?(.*)$/.exec(line) ?? [];
              if (k == 'id') id = v;
              if (k == 'event') m.event = v;
              if (k == 'data') m.data = JSON.parse(v);
            }
            buffer = buffer.slice(end + 2);
            if (m.event) got.push({ ...m, id });
            if (got.length == count) {
              res.destroy();
              resolve(got);
            }
          }
        });
      },
    );
    req.on('error', () => {});
    req.end();
    setTimeout(() => reject(new Error(`stream: ${count} messages did not come`)), 10_000).unref();
  });
  return { open, messages };
}

test('GET /events/stream: live messages, filtered, and a reconnect gets exactly what it missed', async ({}, info) => {
  const tenant = tenantOf(info);
  const ev = (type: string) => ({ tenant, market: 'se', type, deduplication_id: `${tenant}-${type}` });

  const live = stream(`tenant=${tenant}&tail=0`, 2);
  await live.open;
  expect(await post([ev('page_view')])).toBe(200);
  expect(await post([{ tenant: 'someone-else', market: 'se', type: 'page_view' }])).toBe(200);
  expect(await post([{ tenant, type: 'bad' }])).toBe(422);
  const [stored, rejected] = await live.messages;
  expect(stored).toMatchObject({ event: 'stored', data: { tenant, type: 'page_view', _seq: expect.any(Number) } });
  expect(rejected).toMatchObject({ event: 'rejection', data: { tenant, status: 422, detail: expect.any(Array) } });

  // while nobody listens: one more event; a reconnect with the last id gets it, and only it
  expect(await post([ev('click')])).toBe(200);
  const [missed] = await stream(`tenant=${tenant}&tail=0`, 1, rejected.id).messages;
  expect(missed).toMatchObject({ event: 'stored', data: { type: 'click' } });

  // without an id, the tail: this tenant's events and its kept rejections, oldest first
  const tail = await stream(`tenant=${tenant}&tail=5`, 3).messages;
  expect(tail.map((m) => m.data.type ?? m.event)).toEqual(['page_view', 'rejection', 'click']);
  // ?type= narrows the events
  const clicks = await stream(`tenant=${tenant}&type=click&tail=5`, 2).messages;
  expect(clicks.map((m) => m.data.type ?? m.event)).toEqual(['rejection', 'click']);
});
