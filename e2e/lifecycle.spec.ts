// The Page Lifecycle beyond the back/forward cache: background tabs that Chrome freezes (Android
// after minutes hidden, desktop Energy Saver) and discards (Memory Saver, low memory) without
// pagehide. Playwright keeps its pages visible (a page it drives is never hidden by another
// tab, and Chromium then ignores a freeze), so these tests start Chromium themselves, headless,
// and drive it over DevTools' pipe: tabs in one window, the one in front visible, the others
// hidden, as a shopper's are. A tab is frozen with Page.setWebLifecycleState (which fires
// `freeze` and `resume`, as Chrome's own freezing does), and discarded through
// chrome://discards (internal pages turned on in the profile's Local State), which reloads it
// with document.wasDiscarded when it is shown again. The pages come from a small server of the
// test's own (another origin than the collector's: every send is preflighted, as a shop's is).
import { expect, test } from './test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { holdStore } from './page-scripts.mjs';
import { BASE, faults, ofType, ownChromium, stats, tenantOf, waitForEvents } from './helpers';

/** Pages at `${origin}/<any path>` with the snippet for `tenant` (page views only, debug on). */
async function site(tenant: string) {
  const server = createServer((req, res) => {
    if (req.url == '/favicon.ico') return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${req.url}</title>
<script async src="${BASE}/depict.js" data-debug data-capture="page_view" data-tenant="${tenant}" data-market="se"
  data-api-key="k" data-endpoint="${BASE}/create-events" data-batch-ms="50"></script></head><body>${req.url}</body></html>`);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  };
}

type Tab = { targetId: string; session: string; ev: (expression: string) => Promise<any>; cdp: (method: string, params?: object) => Promise<any> };

/** Chromium, headless, driven over --remote-debugging-pipe; its pages' console is printed when
 * the test fails. */
async function browser() {
  // chrome://discards is one of the internal pages that a profile must turn on
  const chromium = ownChromium(['--remote-debugging-pipe', 'about:blank'], ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], { internal_only_uis_enabled: true });
  const [input, output] = [chromium.proc.stdio[3] as Writable, chromium.proc.stdio[4] as Readable];
  let id = 0;
  let buffer = '';
  const waiting = new Map<number, [(v: any) => void, (e: Error) => void]>();
  const consoleLog: string[] = [];
  output.on('data', (d) => {
    const parts = (buffer + d).split('\0');
    buffer = parts.pop()!;
    for (const m of parts.map((p) => JSON.parse(p))) {
      const w = waiting.get(m.id);
      if (w) waiting.delete(m.id), m.error ? w[1](new Error(m.error.message)) : w[0](m.result);
      else if (m.method == 'Runtime.consoleAPICalled')
        consoleLog.push(`${m.sessionId.slice(0, 6)} ${m.params.type}: ${m.params.args.map((a: any) => a.value ?? a.description).join(' ')}`);
    }
  });
  const send = (method: string, params: object = {}, sessionId?: string) =>
    new Promise<any>((ok, ko) => {
      waiting.set(++id, [ok, ko]);
      input.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    });
  const attach = async (targetId: string): Promise<Tab> => {
    const { sessionId: session } = await send('Target.attachToTarget', { targetId, flatten: true });
    const cdp = (method: string, params?: object) => send(method, params, session);
    await cdp('Runtime.enable');
    const ev = async (expression: string) => {
      const r = await cdp('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
      return r.result.value;
    };
    return { targetId, session, ev, cdp };
  };
  return {
    send,
    attach,
    /** A new tab in front (the others are hidden), once its snippet has started. */
    async open(url: string): Promise<Tab> {
      const { targetId } = await send('Target.createTarget', { url, newWindow: false });
      const tab = await attach(targetId);
      if (url.startsWith('http')) await expect.poll(() => tab.ev('!!window.depict?.loaded').catch(() => false)).toBe(true);
      return tab;
    },
    consoleLog,
    close: chromium.close,
  };
}

/** Runs `body` with a browser, printing its pages' console if it fails. */
async function withBrowser(body: (b: Awaited<ReturnType<typeof browser>>) => Promise<void>) {
  const b = await browser();
  try {
    await body(b);
  } catch (e) {
    console.log(`the pages' console:\n${b.consoleLog.join('\n')}`);
    throw e;
  } finally {
    await b.close();
  }
}

const visibility = (tab: Tab) => tab.ev('document.visibilityState');

test.describe('background tabs that the browser freezes and discards', { tag: '@chromium-only' }, () => {
  test('a tab frozen while its send is in flight lets go of the Web Lock: another tab sends a click at once', async ({ request }, info) => {
    // A hidden tab's send holds the lock until its answer; frozen meanwhile (Chrome on Android,
    // minutes after the tab was hidden), it held it for as long as it stayed frozen, and every
    // send of the shopper's other tabs waited 3 s for it first (each time anew): a click sent
    // "at once" went out 3.2 s later, after the shopper had often left the page.
    const tenant = tenantOf(info);
    const s = await site(tenant);
    await withBrowser(async (b) => {
      const hidden = await b.open(`${s.origin}/a`);
      await waitForEvents(request, tenant, (e) => e.length == 1);
      const front = await b.open(`${s.origin}/b`);
      expect(await visibility(hidden)).toBe('hidden');
      await waitForEvents(request, tenant, (e) => e.length == 2);
      // the hidden tab's send is answered 4 s late: it is frozen before the answer comes
      await faults(request, tenant, { delayMs: 4000, count: 1 });
      await hidden.ev("depict.track('click', { product_id: 'a1' })");
      await expect.poll(async () => (await stats(request, tenant)).faulted, { message: 'the hidden tab sent' }).toBe(1);
      await hidden.cdp('Page.setWebLifecycleState', { state: 'frozen' });
      // the frozen tab lets go of the lock (it kept it for as long as it stayed frozen); the
      // release may take a moment on a loaded machine
      await expect.poll(async () => (await front.ev('navigator.locks.query()')).held, { message: 'the frozen tab let go of the lock' }).toEqual([]);
      const before = b.consoleLog.length;
      await front.ev("depict.track('click', { product_id: 'b1' })");
      await waitForEvents(request, tenant, (e) => e.some((x) => x.product_id == 'b1'));
      // sent at once: the front tab found the lock free (before, its debug log said "another
      // tab is sending" at each try, and it sent 3 s later without the lock)
      expect(b.consoleLog.slice(before).filter((l) => l.startsWith(front.session.slice(0, 6)) && l.includes('another tab is sending'))).toEqual([]);
      // and lets go of the lock once its answer is in (the collector stores before it answers)
      await expect.poll(async () => (await front.ev('navigator.locks.query()')).held).toEqual([]);
      // back in front: the frozen tab's answer arrives, and nothing was stored twice
      await b.send('Target.activateTarget', { targetId: hidden.targetId });
      await hidden.cdp('Page.setWebLifecycleState', { state: 'active' });
      const events = await waitForEvents(request, tenant, (e) => e.length == 4);
      expect(ofType(events, 'click').map((e) => e.product_id).sort()).toEqual(['a1', 'b1']);
    });
    await s.close();
  });

  test('a tab frozen, then discarded: what it had not stored arrives once when the shopper comes back, and the reload is a page view of the same session', async ({
    request,
  }, info) => {
    // Chrome discards a background tab (Memory Saver; Android under memory pressure) without
    // pagehide, after it froze it. What was in IndexedDB waited there; an event tracked in the
    // hidden tab that was not yet in IndexedDB (its write waits for a timer, which a hidden
    // tab's runs once a second, or once a minute after a while: here, a transaction that keeps
    // the store busy) was lost with the tab. At freeze the tab now copies its events to
    // localStorage, as at pagehide, and the reloaded page adds them back.
    const tenant = tenantOf(info);
    const s = await site(tenant);
    await withBrowser(async (b) => {
      const tab = await b.open(`${s.origin}/product`);
      await waitForEvents(request, tenant, (e) => e.length == 1);
      // the API is down: the add to cart waits in IndexedDB
      await faults(request, tenant, { status: 503, retryAfter: 30 });
      await tab.ev("depict.track('add_to_cart', { product_id: 'stored' })");
      await expect.poll(async () => (await stats(request, tenant)).faulted).toBeGreaterThan(0);
      // the shopper switches to another tab
      const discards = await b.open('chrome://discards');
      expect(await visibility(tab)).toBe('hidden');
      // the page's own code tracks in the background, and the browser freezes the tab before
      // the event is in IndexedDB
      await tab.ev(holdStore);
      await tab.ev("depict.track('add_to_cart', { product_id: 'in-memory' })");
      await tab.cdp('Page.setWebLifecycleState', { state: 'frozen' });
      // the browser discards it (a tab that DevTools is attached to is not discarded); only the
      // fields read are returned (Chromium 150's infos hold values that CDP cannot send as JSON)
      await b.send('Target.detachFromTarget', { sessionId: tab.session });
      const tabs = `import('chrome://discards/discards.js').then((m) => m.getOrCreateDetailsProvider().getTabDiscardsInfo())
        .then((r) => r.infos.filter((i) => i.title == '/product').map(({ id, state }) => ({ id, state })))`;
      const [{ id }] = await discards.ev(tabs);
      await discards.ev(`import('chrome://discards/discards.js').then((m) => m.getOrCreateDetailsProvider().discardById(${id}, 1)).then(() => 0)`);
      // (LifecycleUnitState DISCARDED)
      await expect.poll(async () => (await discards.ev(tabs))[0]?.state, { message: 'the tab was discarded' }).toBe(5);
      // the API is back; the shopper comes back to the tab, which reloads
      await faults(request, tenant);
      const { targetId } = (await b.send('Target.getTargets')).targetInfos.find((t: any) => t.url == `${s.origin}/product`);
      await b.send('Target.activateTarget', { targetId });
      const back = await b.attach(targetId);
      await expect.poll(() => back.ev('!!window.depict?.loaded').catch(() => false)).toBe(true);
      expect(await back.ev('document.wasDiscarded')).toBe(true);
      const events = await waitForEvents(request, tenant, (e) => e.length >= 4);
      // each once, whatever the order (the reloaded page's view may come first)
      expect(events.map((e) => `${e.type} ${e.product_id ?? ''}`.trim()).sort()).toEqual(['add_to_cart in-memory', 'add_to_cart stored', 'page_view', 'page_view']);
      expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
    });
    await s.close();
  });
});
