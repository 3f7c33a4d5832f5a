// Helpers of the WebKit suite: a collector of its own on a free port, and WebKitGTK's
// MiniBrowser driven by selenium-webdriver through WebKitWebDriver (Playwright cannot drive
// a stock WebKit). Run under a display: `node e2e-webkit/run.mjs` brings one (xvfb-run).
// Every wait here has a timeout: without a display a WebDriver session hangs silently.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder } from 'selenium-webdriver';

export const MINIBROWSER = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with `what` when `promise` has not settled within `ms`. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A port that was free a moment ago. */
export async function freePort() {
  const srv = createServer();
  await new Promise((ok, fail) => srv.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = srv.address();
  await new Promise((ok) => srv.close(ok));
  return port;
}

/** Polls `fn` until it returns something truthy, and returns that; throws after `timeout`. */
export async function until(fn, what, timeout = 10_000, every = 100) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${show(last)})`);
    await sleep(every);
  }
}

const show = (x) => (x instanceof Error ? x.message : JSON.stringify(x)?.slice(0, 300));

/**
 * The collector (`node dist/collector.js`) on a free port, with a data folder of its own.
 * `stop()` and `start()` again keep the port and the data: that is how this suite takes the
 * API away, since WebKitGTK's WebDriver has no offline emulation.
 */
export async function startCollector() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'depict-webkit-'));
  const base = `http://localhost:${port}`;
  let proc;

  async function start() {
    const p = (proc = spawn(process.execPath, ['dist/collector.js'], {
      env: { ...process.env, PORT: String(port), DEPICT_DATA_DIR: dataDir, QUIET: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    }));
    const exited = new Promise((_, fail) => p.once('exit', (code) => fail(new Error(`the collector exited (${code})`))));
    exited.catch(() => {});
    await Promise.race([exited, until(() => fetch(`${base}/events?tenant=-`).then((r) => r.ok), 'the collector', 15_000)]);
  }

  async function stop() {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode) return;
    const gone = new Promise((ok) => p.once('exit', ok));
    p.kill('SIGTERM');
    await within(5_000, 'the collector stopping', gone).catch(() => p.kill('SIGKILL'));
  }

  await start();
  const api = async (path, init) => {
    const res = await fetch(base + path, init);
    if (!res.ok) throw new Error(`${init?.method || 'GET'} ${path}: ${res.status}`);
    return res.json();
  };
  return {
    base,
    port,
    start,
    stop,
    /** Stored events matching the query, oldest first: `{tenant, session_id, type}`. */
    events: (query) => api('/events?' + new URLSearchParams(query)),
    /** Waits until the events matching `query` satisfy `ok`; returns them. On a timeout the
     * error also holds what `col.explain()` (when a test sets it) says about the page. */
    async waitFor(query, ok, what, timeout = 10_000) {
      try {
        return await until(async () => {
          const e = await api('/events?' + new URLSearchParams(query));
          return ok(e) && e;
        }, what || `events ${JSON.stringify(query)}`, timeout);
      } catch (e) {
        if (this.explain) e.message += '\n' + (await this.explain(query.tenant).catch((x) => `(no diagnosis: ${x.message})`));
        throw e;
      }
    },
    clear: () => api('/events', { method: 'DELETE' }),
    /** Turns the collector's fault injection on for `tenant` (see /__faults in the README). */
    faults: (tenant, options) =>
      api('/__faults?' + new URLSearchParams({ tenant }), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options),
      }),
    /** The collector's counters for `tenant`: requests, events_received, stored, duplicates,
     * rejected_batches, faulted. */
    stats: (tenant) => api('/stats?' + new URLSearchParams({ tenant })),
    async close() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * WebKitWebDriver on a free port. `session()` opens a new MiniBrowser (a fresh, ephemeral
 * profile each time: no storage is shared between sessions).
 */
export async function startWebKit() {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    throw new Error('no display: MiniBrowser needs one (run the suite with `node e2e-webkit/run.mjs`, which uses xvfb-run)');
  const port = await freePort();
  // not detached: the runner ends its whole process group (and xvfb-run the display, which
  // ends any MiniBrowser left) if the suite has to be stopped
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((_, fail) => driver.once('exit', (code) => fail(new Error(`WebKitWebDriver exited (${code})`))));
  exited.catch(() => {});
  const server = `http://127.0.0.1:${port}`;
  await Promise.race([exited, until(() => fetch(`${server}/status`).then((r) => r.ok), 'WebKitWebDriver', 15_000)]);
  return {
    async session() {
      const caps = {
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        timeouts: { pageLoad: 20_000, script: 15_000, implicit: 0 },
      };
      const build = new Builder().usingServer(server).withCapabilities(caps).build();
      try {
        return await within(30_000, 'a MiniBrowser session (is there a display? run under xvfb-run)', build);
      } catch (e) {
        build.then((d) => d.quit()).catch(() => {});
        throw e;
      }
    },
    async close() {
      if (driver.exitCode !== null || driver.signalCode) return;
      const gone = new Promise((ok) => driver.once('exit', ok));
      driver.kill('SIGTERM');
      await within(5_000, 'WebKitWebDriver stopping', gone).catch(() => driver.kill('SIGKILL'));
    },
  };
}

/** Ends a WebDriver session without ever hanging the suite. */
export const quit = (driver) => driver && within(10_000, 'closing the session', driver.quit()).catch(() => {});

/** The session id the snippet keeps in localStorage (`depict_session` = `<id>.<last active>`). */
export async function sessionOf(driver) {
  const raw = await until(() => driver.executeScript('return localStorage.getItem("depict_session")'), 'depict_session');
  return raw.split('.')[0];
}

/** Waits until the page's snippet has started. */
export const snippetLoaded = (driver) =>
  until(() => driver.executeScript('return !!(window.depict && window.depict.loaded)'), 'window.depict.loaded');

/** The events in the snippet's IndexedDB queue (database `depict`, store `events`, values
 * `{e: event, t: time queued}`); null when it cannot be read. */
export const queued = (driver) =>
  driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
    const open = indexedDB.open('depict');
    open.onerror = () => done(null);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('events')) return db.close(), done([]);
      const all = db.transaction('events').objectStore('events').getAll();
      all.onsuccess = () => (db.close(), done(all.result.map((r) => r.e)));
      all.onerror = () => (db.close(), done(null));
    };`);

/**
 * Starts the snippet on the page that is open — one without the snippet, on the collector's
 * origin (the collector's `/events` JSON, which WebKit shows as a document) — with
 * `window.depictConfig`, after running `before` (source of a function body) in the page.
 * This stands in for Playwright's init scripts, which WebDriver classic does not have: the
 * page is broken first (e.g. IndexedDB), then the snippet starts on it, as it would from
 * a script tag.
 */
export async function injectSnippet(driver, config, before = '') {
  await driver.executeScript(
    `${before}
    window.depictConfig = arguments[0];
    const s = document.createElement('script');
    s.src = '/depict.js';
    document.head.appendChild(s);`,
    { market: 'se', apiKey: 'k', endpoint: '/create-events', ...config },
  );
  await snippetLoaded(driver);
}

export const ofType = (events, type) => events.filter((e) => e.type == type);

/**
 * What a failed wait needs to be understood on a machine one cannot look at: the page, the
 * snippet's state, its IndexedDB queue and storage, the requests it made, and every event
 * the collector holds for `tenant` (all sessions).
 */
export async function explain(driver, col, tenant = 'demo') {
  const page = await within(
    5_000,
    'reading the page',
    driver.executeScript(`return JSON.stringify({
      url: location.href,
      loaded: !!(window.depict && window.depict.loaded),
      visibility: document.visibilityState,
      storage: Object.keys(localStorage).map((k) => k + '=' + String(localStorage.getItem(k)).slice(0, 120)),
      requests: performance.getEntriesByType('resource').filter((r) => /depict\\.js|create-events/.test(r.name))
        .map((r) => [r.name.replace(location.origin, '').split('?')[0], Math.round(r.startTime), Math.round(r.duration), r.responseStatus]),
    })`),
  ).catch((e) => `(the page did not answer: ${e.message})`);
  const inQueue = await within(5_000, 'reading the queue', queued(driver)).catch((e) => e.message);
  const all = await col.events({ tenant }).catch((e) => e.message);
  const brief = (list) => (Array.isArray(list) ? list.map((e) => [e.type, e.session_id, e.url, e.deduplication_id]) : list);
  return `the page: ${page}\nits queue: ${JSON.stringify(brief(inQueue))}\nthe collector's events of ${tenant}: ${JSON.stringify(brief(all))}`;
}
