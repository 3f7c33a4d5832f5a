// Debug mode (data-debug, or depict.debug()): every event and every send gets one collapsed
// console group, titled with what happened and why, holding the event(s) it is about.
import { expect, test } from './test';
import type { ConsoleMessage, Page } from '@playwright/test';
import { faults, fixture, ofType, tenantOf, waitForEvents } from './helpers';

/** One collapsed group the page logged: its title and the values logged inside it. */
interface Group {
  title: string;
  details: unknown[];
}

/** Collects the page's collapsed console groups (and the messages outside any group). */
function watchConsole(page: Page) {
  const groups: Group[] = [];
  const outside: ConsoleMessage[] = [];
  let open: Group | undefined;
  const pending: Promise<unknown>[] = [];
  page.on('console', (m) => {
    // Chromium: startGroupCollapsed … endGroup. Firefox (WebDriver BiDi): groupCollapsed, and
    // no end; debug() logs one value inside each group, so a group holds one at most
    if (/^(start)?group(collapsed)?$/i.test(m.type())) groups.push((open = { title: m.text(), details: [] }));
    else if (m.type() == 'endGroup') open = undefined;
    else if (open && m.type() == 'log') {
      const g = open;
      open = undefined;
      pending.push(Promise.all(m.args().map((a) => a.jsonValue().catch(() => undefined))).then((v) => g.details.push(...v)));
    } else outside.push(m);
  });
  return {
    groups,
    outside,
    titles: () => groups.map((g) => g.title),
    /** Waits until the values logged inside groups have been read. */
    settled: () => Promise.all(pending),
  };
}

test('with data-debug, every event and every send is a collapsed group holding what it is about', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const log = watchConsole(page);
  await fixture(page, tenant, '<h1>debug</h1>', { attrs: 'data-debug' });
  await page.evaluate(() => (window as any).depict.track('click', { product_id: 'p-1', recommendation_id: 'rec-1' }));
  await page.evaluate(() => (window as any).depict.flush());
  await waitForEvents(request, tenant, (e) => e.length >= 2);
  const sentCount = () => log.titles().reduce((n, t) => n + Number(/^\[depict\] sent (\d+) events?$/.exec(t)?.[1] ?? 0), 0);
  await expect.poll(sentCount).toBe(2);
  await log.settled();

  const titles = log.titles();
  expect(titles).toContain('[depict] page_view queued');
  expect(titles).toContain('[depict] click queued');
  // every queued event is in some "sent" group, once
  const sent = log.groups.filter((g) => /^\[depict\] sent (\d+) events?$/.test(g.title));
  const sentEvents = sent.flatMap((g) => g.details.flat() as any[]);
  expect(sentEvents.map((e) => e.type).sort()).toEqual(['click', 'page_view']);
  // a queued group holds its event, as it will be sent
  const queued = log.groups.find((g) => g.title == '[depict] click queued')!;
  expect(queued.details).toEqual([expect.objectContaining({ tenant, type: 'click', product_id: 'p-1', recommendation_id: 'rec-1' })]);
  // all of it collapsed, nothing loose
  expect(log.outside.filter((m) => m.text().startsWith('[depict]'))).toEqual([]);
});

test('without data-debug there are no groups; depict.debug() turns them on and off', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  const log = watchConsole(page);
  await fixture(page, tenant, '');
  await waitForEvents(request, tenant, (e) => e.length >= 1);
  expect(log.titles()).toEqual([]);

  await page.evaluate(async () => {
    const d = (window as any).depict;
    // the page view's send is over (stored is not enough: its answer may still be on its way)
    await d.flush();
    d.debug();
    d.track('add_to_cart', { product_id: 'p-2' });
    return d.flush();
  });
  await expect.poll(() => log.titles()).toEqual(['[depict] add_to_cart queued', '[depict] sent 1 events']);

  await page.evaluate(() => {
    const d = (window as any).depict;
    d.debug(false);
    d.track('add_to_cart', { product_id: 'p-3' });
    return d.flush();
  });
  await waitForEvents(request, tenant, (e) => ofType(e, 'add_to_cart').length == 2);
  expect(log.titles()).toHaveLength(2);
});

test('a failed send is a group that says when it is retried; the retry is a "sent" group', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await faults(request, tenant, { status: 503, count: 1, retryAfter: 1 });
  const log = watchConsole(page);
  await fixture(page, tenant, '', { attrs: 'data-debug' });
  await waitForEvents(request, tenant, (e) => e.length >= 1);
  await expect.poll(() => log.titles()).toContain('[depict] sent 1 events');
  const titles = log.titles();
  expect(titles).toEqual(['[depict] page_view queued', '[depict] send failed, retry in 1000 ms', '[depict] sent 1 events']);
  await log.settled();
  expect(log.groups[1].details).toEqual([[expect.objectContaining({ type: 'page_view', tenant })]]);
});

test('an event the API rejects (422) is a warning that says it was rejected and dropped, holding that event only', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  // the purchase's deduplication_id is tenant:transaction:line:product
  await faults(request, tenant, { reject: [`${tenant}:se:T-9:0:p-9`] });
  const log = watchConsole(page);
  await fixture(page, tenant, '', { attrs: 'data-debug data-capture=""' });
  await page.evaluate(() => {
    const d = (window as any).depict;
    d.purchase({ transaction_id: 'T-9', currency: 'SEK', items: [{ product_id: 'p-9', price: 9 }] });
    return d.flush();
  });
  await expect.poll(() => log.outside.filter((m) => /rejected/.test(m.text()))).toHaveLength(1);
  const warning = log.outside.find((m) => /rejected/.test(m.text()))!;
  expect(warning.type()).toBe('warning');
  expect(warning.text()).toMatch(/^\[depict\] the API rejected 1 events \(422\): dropped/);
  const [rejected] = await Promise.all(warning.args().slice(1).map((a) => a.jsonValue()));
  expect(rejected).toEqual([expect.objectContaining({ deduplication_id: `${tenant}:se:T-9:0:p-9` })]);
});

test('in debug mode a warning shows every time, not once per page: each bad call is seen', async ({ page }, info) => {
  const tenant = tenantOf(info);
  const log = watchConsole(page);
  await fixture(page, tenant, '', { attrs: 'data-debug data-capture=""' });
  await page.evaluate(() => {
    const d = (window as any).depict;
    for (const price of [NaN, {}, NaN]) d.track('click', { product_id: 'p-1', entity_price: price });
    d.debug(false);
    d.track('click', { product_id: 'p-1', entity_price: NaN });
    // a last, different warning: once it is in, everything before it is too
    d.track('no_such_type');
  });
  await expect.poll(() => log.outside.some((m) => /unknown type "no_such_type"/.test(m.text()))).toBe(true);
  const bad = log.outside.filter((m) => m.type() == 'warning' && /invalid entity_price/.test(m.text()));
  expect(bad).toHaveLength(3);
});

test('a batch the API refuses (a 4xx other than 401, 404 or a 422 naming events) is a warning that says it is dropped, with the answer', async ({ page, request }, info) => {
  const tenant = tenantOf(info);
  await faults(request, tenant, { status: 400, count: 1 });
  const log = watchConsole(page);
  await fixture(page, tenant, '', { attrs: 'data-debug data-capture="page_view"' });
  await expect.poll(() => log.outside.map((m) => m.text())).toContainEqual(expect.stringMatching(/^\[depict\] the API answered 400 .*; the events are dropped/));
  expect(log.titles().filter((t) => /sent|retry/i.test(t))).toEqual([]);
});

test('an event not queued because consent was refused is a group that says so', async ({ page }, info) => {
  const tenant = tenantOf(info);
  const log = watchConsole(page);
  await fixture(page, tenant, '', { attrs: 'data-debug data-capture=""' });
  await page.evaluate(() => {
    const d = (window as any).depict;
    d.consent(false);
    d.track('click', { product_id: 'p-1' });
  });
  await expect.poll(() => log.titles().filter((t) => /click/.test(t))).toEqual([expect.stringMatching(/^\[depict\] click not sent.*consent/i)]);
});
