// not in alphabetical order: this order puts the modules' code where the bundle compresses
// best (a few bytes after brotli; modules run nothing at load, so the order changes nothing
// else). The same goes for the order of start()'s function declarations (hoisted: their
// place changes nothing either) and of its variables where their values have no effect on
// one another: measured, not meaningful.
import { sessionId } from './session';
import { watchClicks } from './capture/clicks';
import { watchNavigation } from './capture/navigation';
import { createVisibility } from './capture/visibility';
import { sendUrl, stripUrl, type Config } from './config';
import { clean, fieldsOf, json, type Fields } from './fields';
import { watchDom } from './capture/dom';
import { clearStorage, forget, persistStorage, read, write } from './storage';
import { createQueue, type Rec } from './queue';
import { debug, setDebug, warn } from './log';
import { purchaseEvents } from './purchase';
import { EVENT_TYPES, invalid, type DepictEvent, type EventType } from './schema';
import { uuid } from './id';
import { attribute, remember } from './attribution';
import { batches, post, type Outcome } from './send';

const UNSENT = 'depict_unsent';
/** The events a page copied to localStorage when it was left. */
const unsent = (): DepictEvent[] => {
  try {
    // only what the API would take, with its id: the key is the page's to break
    // nothing stored (the usual case) parses to []: JSON.parse(null).filter would throw a
    // TypeError, and an exception costs milliseconds at start-up (with DevTools open, V8
    // captures its stack and re-parses every function on it)
    return JSON.parse(read(UNSENT) || '[]').filter((e: DepictEvent) => e?.deduplication_id && !invalid(e as never).length);
  } catch {
    return [];
  }
};

/** Where the ES module keeps the tracker it started (src/esm.ts): a symbol, no global name.
 * A depict.js tag that finds one there (a tag manager's, loaded after the shop's bundle)
 * starts no second tracker, and installs `window.depict` for that one. */
export const MARK = Symbol.for('depict');

/** `window.depict`: every method is safe to call with anything and never throws. */
export interface Depict {
  /** Sends an event of `type` with `fields` (the common fields are added). */
  track(type: EventType, fields?: Fields): void;
  /** Fields merged into every later event, e.g. `{user_id}`; a null value unsets one. */
  set(fields: Fields): void;
  /** A page view, for pages whose navigation the snippet cannot see. */
  page(fields?: Fields): void;
  /** One `purchase` per line item, counted once however often the page is shown. */
  purchase(order: unknown): void;
  /** Sends what is queued now, even during a back-off; resolves when this attempt is over. */
  flush(): Promise<void>;
  /** `true`: store and send. `false`: forget everything stored and send nothing more. */
  consent(granted: boolean): void;
  /** Logs every event and every send to the console. */
  debug(on?: boolean): void;
}

/**
 * Starts the snippet with a valid config: calls `before` with the API (to replay what the
 * pre-load stub queued), installs the listeners of every capture that is on, sends the
 * first page view and what earlier pages left queued, and returns the API.
 */
export function start(cfg: Config, before: (api: Depict) => void): Depict {
  setDebug(cfg.debug);
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean; locks?: LockManager };
  // GPC unless `none` is given: a value with a typo (`gcp`, `both`) must not turn it off
  const signal =
    (!cfg.privacySignals.includes('none') && nav.globalPrivacyControl) ||
    (cfg.privacySignals.includes('dnt') && nav.doNotTrack == '1');
  // a setting's value with a typo (data-consent="pendng", data-capture="clicks"): one
  // warning; an unknown consent is not granted, an unknown capture is off
  const odd = [cfg.consent, ...cfg.capture].filter((v) => !['granted', 'pending', 'denied', ...EVENT_TYPES].includes(v as EventType));
  if (odd.length) warn('data-consent or data-capture not understood: ' + odd);
  let consent = signal ? 'denied' : cfg.consent;
  if (signal) debug('a privacy signal is on: off until depict.consent(true)');
  persistStorage(consent == 'granted');
  /**
   * When this document is being left for another page of the site (the Navigation API says
   * so: a link, a form, a script's `location` change — not a tab closed, a URL typed, another
   * site), that page sends what is queued, from IndexedDB and the copy `pagehide` leaves: a
   * send from here, cut off by the unload before its answer, would be sent there again.
   * Stale after 5 s (a navigation that turned into a download, or was stopped).
   */
  let left = 0;
  const leaving = () => Date.now() - left < 5e3;
  const q = createQueue(consent == 'granted', warn, leaving);
  const url = sendUrl(cfg);
  const on = (t: string) => cfg.capture.includes(t);
  let referrer = document.referrer;
  let defaults: Fields = {};
  let blockedUntil = 0;
  let timer: ReturnType<typeof setTimeout>;
  let sending = Promise.resolve();
  /** The pass of flush() that is waiting to start, if any. */
  let again: Promise<void> | 0 | undefined;
  /** Since when another tab has held the send lock (0 or unset: it has not). */
  let busy: number | undefined;
  /** Lets go of the send lock while a send is still in flight (see hide); a no-op while
   * this tab holds none. */
  let unlock: () => unknown = Object;

  /** Each URL sent, cleaned once (stripUrl takes ~10 µs; a page's events share two URLs),
   * under ' ' + the URL: no name of Object.prototype's. Emptied at each new page: a long
   * single-page-app session must not keep every URL it ever visited. */
  let cleaned: Record<string, string> = {};
  const strip = (u: string, key = ' ' + u) => (cleaned[key] ??= stripUrl(u, cfg.stripParams));
  let attempt = 0;
  let due = Infinity;

  /** An add to cart's or a purchase's fields with the result ids that led to it (others as
   * they are). */
  const credit = (type: string, f: Fields) => (type == 'add_to_cart' || type == 'purchase' ? attribute(f, cfg.attributionHours) : f);

  /** Sends until the queue is empty or a retry is due. One tab at a time sends the shared
   * queue (a Web Lock; without Web Locks, tabs may both send and the API dedups); a tab
   * that finds the lock taken looks again a little later. */
  async function loop() {
    for (;;) {
      if (nav.onLine === false || consent != 'granted') return;
      // a navigation that did not leave after all (a download, a 204) sends a little later
      if (leaving()) return schedule(5e3);
      // a back-off: a timer set before it began (an event tracked while the failing batch was
      // in flight), a pass asked for before it, a timer a millisecond early
      if (Date.now() < blockedUntil) return schedule(0);
      const all = batches(await q.take());
      if (!all.length) return;
      // batches not sent yet were never marked as being sent: nothing to undo (an unmark
      // would free events that the unload's send may be carrying)
      for (const b of all) if (!(await send(b))) return;
    }
  }

  /** Adds what the last page left behind (the copy) to the queue, which keeps one copy per
   * deduplication_id; once with consent (storage is not read before). The copy is removed
   * only once the queue holds its events (this page may be closed first), and only those:
   * another tab may have added its own meanwhile. */
  function restore() {
    const back = unsent();
    const ids = back.map((e) => e.deduplication_id);
    q.restore(back).then(() => {
      const rest = unsent().filter((e) => !ids.includes(e.deduplication_id));
      rest.length ? write(UNSENT, json(rest)) : forget(UNSENT);
    });
  }

  /**
   * Builds, checks and queues an event. `call` names a page's API call: a problem there
   * means the event is not sent. Without it (auto-capture) bad attribute values are left
   * out, and the event is sent without them.
   */
  function emit(type: string, raw: unknown, call?: string, dedup?: string, url = location.href) {
    // a page that the browser prerenders (speculation rules, its address bar) may never be
    // shown: its events are made once it is
    if ((document as { prerendering?: boolean }).prerendering)
      return document.addEventListener('prerenderingchange', () => emit(type, raw, call, dedup, url));
    const c = clean(raw);
    if (!c) return warn(call + ' not sent: fields must be an object', raw);
    let [fields, long, unknown] = c;
    if (unknown.length && call) warn(call + ': unknown fields left out: ' + unknown);
    if (consent == 'denied') return debug(type + ' not sent: no consent');
    // an add to cart from a card (a listing, a widget) is a click on it too
    if (type == 'click' || type == 'add_to_cart') remember(fields, cfg.attributionHours);
    fields = credit(type, fields);
    const e = {
      tenant: cfg.tenant,
      market: cfg.market,
      type,
      deduplication_id: dedup || uuid(),
      url,
      document_referrer: referrer || null,
      document_width: '' + innerWidth,
      session_id: sessionId(cfg.sessionMinutes),
      ...defaults,
      ...fields,
    } as DepictEvent & Record<string, unknown>;
    for (const k of ['url', 'document_referrer', 'page_url'] as const) e[k] &&= strip(e[k]!);
    const bad = [...long, ...invalid(e)];
    if (bad.length) {
      warn((call ? call + ' not sent' : type) + ': invalid ' + bad, raw);
      if (call || bad.includes('type')) return;
      for (const k of bad) delete e[k];
    }
    debug(type + ' queued', e);
    q.add(e);
    // a click or an add to cart often leaves the page: send it at once, so that its answer
    // can still arrive while the page lives (else the next page sends it again)
    schedule(type == 'click' || type == 'add_to_cart' ? 0 : cfg.batchMs);
  }

  /** Deals with a send's outcome; false when sending should pause (a back-off has begun). */
  function settle(recs: Rec[], out: Outcome): boolean {
    if (typeof out == 'number') {
      // the server's Retry-After is a floor, not a replacement for the back-off: a 0 (or an
      // HTTP date already past by this device's clock) would retry at once, again and again
      const wait = Math.max(out, Math.min(6e4, 1e3 * 2 ** attempt++) * (0.5 + Math.random() / 2));
      blockedUntil = Date.now() + wait;
      q.settle(recs, false);
      debug(`send failed, retry in ${wait | 0} ms`, recs.map((r) => r.e));
      // sent again at its end (a send of hide()'s has no loop() after it; a send due sooner
      // finds loop() waiting for the end)
      schedule(0);
      return false;
    }
    if (out === true) debug(`sent ${recs.length} events`, recs.map((r) => r.e)), (attempt = 0);
    // a 422 naming events (else refused: dropped, and post has said why)
    else if (out) {
      // the rest of the batch is sent again (after a send of hide()'s too, which has no
      // loop() after it); in debug mode this warning shows every time
      q.settle(recs.filter((_, i) => !out.includes(i)), false);
      recs = recs.filter((_, i) => out.includes(i));
      warn(`the API rejected ${out.length} events (422): dropped`, recs.map((r) => r.e));
      schedule(0);
    }
    q.settle(recs, true);
    // an answer that arrives after the copy was made, as the page is left: out of the copy
    if (leaving()) keep(recs.map((r) => r.e.deduplication_id));
    return true;
  }

  /** Sends a batch, less what another send already carries; false when sending should pause.
   * Events are marked as being sent only here, so that what a loop has taken but not yet
   * posted still goes out with the page's last send at unload. */
  const send = async (b: Rec[]) =>
    // (post throws only on a page's fetch wrapper that answers with no Response: sent again)
    !(b = q.fly(b)).length || settle(b, await post(url, b.map((r) => r.e)).catch(() => -1));

  /** Sends what is queued: a pass of loop(), under the lock. One pass at a time, and one more
   * after it when asked for during it (however often): a pass that has read the queue for the
   * last time (or ended, the lock not yet let go) would not see what came since. */
  function flush(): Promise<void> {
    return (again ||= sending = sending.then(async () => {
      again = 0;
      try {
        // a page being left asks for no lock (loop() waits): the answer would come to the page
        // frozen in the back/forward cache, whose script must then run, and Chromium evicts it;
        // without Web Locks, loop() too (request() returns a promise, never falsy), and where
        // they are denied (a sandboxed iframe such as Shopify's pixel sandbox: request()
        // rejects)
        await ((!leaving() &&
          nav.locks
            ?.request('depict', { ifAvailable: true }, (l) =>
              // a lock held for over 3 s is not waited for any longer: the page holding it
              // may be frozen with its send unfinished (a background tab the browser froze).
              // Held until loop() ends or the page is left; (a loop() that fails, which it
              // should not, lets go too, and sending starts again at the next event)
              l || Date.now() - (busy ||= Date.now()) > 3e3
                ? ((busy = 0), new Promise<void>((r) => ((unlock = r), loop().then(r, r))))
                : (debug('another tab is sending'), schedule(1e3)),
            )
            .catch(loop)) ||
          loop());
      } catch (e) {
        warn('send failed', e);
      }
    }));
  }

  /** Copies this tab's undelivered events to localStorage, beside what is there already
   * (less `drop`: delivered meanwhile). */
  const keep = (drop?: unknown[]) =>
    write(
      UNSENT,
      json([
        ...new Map([...unsent(), ...q.unsent()].filter((e) => !drop?.includes(e.deduplication_id)).map((e) => [e.deduplication_id, e])).values(),
      ]),
    );

  function schedule(ms: number) {
    const at = Math.max(Date.now() + ms, blockedUntil);
    if (at < due) {
      clearTimeout(timer);
      due = at;
      timer = setTimeout(() => {
        due = Infinity;
        flush();
      }, at - Date.now());
    }
  }

  /**
   * The page is being hidden, maybe for good: send this tab's undelivered events now, with
   * keepalive, without waiting for IndexedDB (the page may not live that long) — unless it is
   * being left for another page of the site, which sends them (see `left`). When it is
   * left, also copy them to localStorage, which is written at once: an IndexedDB write that
   * had not committed is aborted with the page, and the next page adds the copy back.
   */
  function hide(pagehide?: Event) {
    // a page view that waits for its page is sent with the page as it is: the page may never
    // be shown again (a tab closed, or killed once hidden: a phone's last event is the hiding)
    later && pending();
    if (consent != 'granted') return;
    // a page frozen in the back/forward cache while it holds the lock is evicted as soon as
    // the next page asks for it; the send goes on without it (and if the page comes back,
    // goes on sending without it: the API dedups should another tab send the same)
    if (pagehide) keep(), unlock();
    // not offline, nor during a back-off: every batch would fail (a tab switch sent the whole
    // queue, up to 40 requests, each time); the events wait in IndexedDB for a later send. The
    // page's last chance (pagehide: a tab closed, another site) sends all the same, as a retry
    // that was due after the page is gone would never be sent
    if (!leaving() && nav.onLine && (pagehide || Date.now() > blockedUntil)) batches(q.pending()).forEach(send);
  }

  /** The widgets and impressions reported this page view, by type and fields: a hydration that
   * renders the server's widget and cards again as new, identical elements (React after a
   * mismatch, a skeleton the client replaces) reports nothing more. */
  let reported = new Set<string>();
  // (the set grows when the key is new)
  const once = (type: string, el: Element, f = fieldsOf(el)) => reported.size < reported.add(type + json(f)).size && emit(type, f);
  const purchases = new WeakSet<Element>();
  /** The automatic page view that waits for the page it counts (0: none waits), how long it
   * waits at most, and the scan of the page that follows it. */
  let later: ReturnType<typeof setTimeout> | 0 = 0;
  let wait: number;
  /** 1 during the task of the navigation whose page view waits. */
  let fresh: unknown;
  let scan: ReturnType<typeof setTimeout>;

  const [observe, release, reset] = createVisibility((el) => once('element_visible', el));
  /** Reports what is on the page (set once the DOM is watched): each page view scans, after
   * its page_view, the first one included. */
  let rescan: (() => void) | undefined;

  /** The URL of the page view that the elements seen so far belong to ('' after a restore
   * from the back/forward cache, a new page view at the same URL). */
  let shown: string | undefined;

  /** A page view: sent when auto-captured page views are on (see `pending`) or when `fields`
   * come from `depict.page()`. At a new URL each element may be seen (and each widget
   * inserted) again, from now on: not for a `depict.page()` at the URL whose navigation
   * already counted, or for the first page (a router that sends its own page views would
   * have every widget and impression of its pages counted twice). What is on the page is
   * looked at `wait` ms later: after a navigation, a router may still be rendering the new
   * page (React Router 7 renders in a transition, a Navigation API handler awaits its data),
   * and the left page's widgets, in the page until then, are not the new page's; what the
   * router adds meanwhile is reported as it is added. */
  function pageView(fields?: unknown, url = location.href) {
    if (fields) emit('page_view', clean(fields) ? { ...fieldsOf(null), ...fields } : fields, 'page()');
    // the URL it counts, as other events' is, not as a field given (not refused when long)
    else if (on('page_view')) emit('page_view', fieldsOf(null), '', '', url);
    // (before the DOM is watched, the stub's replay: nothing seen yet)
    if (rescan && shown != (shown = url)) {
      reset();
      reported = new Set();
      // one scan for the navigations of one task (a loop of replaceState calls), not one each
      clearTimeout(scan);
      scan = setTimeout(rescan, wait);
    }
  }

  /**
   * The automatic page view waits for the page it counts, so that the new page's <meta> tags
   * are in and the left page's cards are not counted in it: at most `ms`, and only until the
   * DOM changes after the navigation (the observer's next callback): a router renders in the
   * navigating task or soon after, while a page-transition library (Swup, Barba, htmx's and
   * Turbo's back and forward) changes the URL first, then fetches the new page and swaps it
   * in. Without `ms`: the page of `url` (by default the current one) is in now: the timer's
   * call, the observer's, or a navigation in a later task than the one whose page view waits
   * (newPage; navigations within one task make one page view).
   */
  const pending = (ms?: number, url?: string) => {
    clearTimeout(later);
    later = ms! >= 0 ? ((fresh = setTimeout(() => (fresh = 0))), setTimeout(pending, (wait = ms!))) : (pageView(0, url), 0);
  };

  const api: Depict = {
    track(type, fields) {
      if (EVENT_TYPES.includes(type)) emit(type, fields, `track('${type}')`);
      // (not a string: its kind, as a BigInt, a Symbol or a cycle cannot be written out)
      else warn(`track() not sent: unknown type ${typeof type == 'string' ? `"${type}"` : typeof type}; the types are ` + EVENT_TYPES);
    },
    set(fields) {
      const c = clean(fields);
      // checked as part of an event, as they will be sent
      const bad = c && [...c[1], ...c[2], ...invalid({ ...c[0], tenant: '-', market: '-', type: 'click' })];
      if (!c || bad!.length) return warn('set() ignored: ' + (bad ? 'invalid or unknown ' + bad : 'fields must be an object'), fields);
      // a field given and not set (clean() leaves out null, undefined and '': a template
      // prints a logged-out customer's id as '') is unset
      for (const k in fields) if (!(k in c[0])) delete defaults[k as keyof Fields];
      defaults = { ...defaults, ...c[0] };
    },
    page: (fields) => pageView(fields || {}),
    purchase(order) {
      // (two stores of one tenant, one per market, may number their orders alike)
      const lines = purchaseEvents(cfg.tenant + ':' + cfg.market, order);
      if (typeof lines == 'string') warn('purchase() not sent: ' + lines, order);
      else lines.forEach(([f, id]) => emit('purchase', f, 'purchase()', id));
    },
    flush: async () => {
      if (consent == 'granted') (blockedUntil = 0), await flush();
    },
    consent(granted) {
      // only a boolean: consent('denied') must not turn tracking on, nor consent() wipe it
      if (typeof granted != 'boolean') return warn('consent() ignored: not true or false', granted);
      if (!granted) clearStorage();
      persistStorage(granted);
      // before restore(): what the last page left goes to IndexedDB, not this tab's memory
      q.persist(granted);
      if (granted && consent != 'granted') {
        // the events held while consent was pending: the shopper's session and attribution,
        // which storage now shows (a returning shopper's, from earlier pages)
        // (one session for them all, read once; none made when nothing is held)
        let sid: string | undefined;
        for (const e of q.unsent()) {
          Object.assign(e, credit(e.type, e));
          e.session_id = sid ||= sessionId(cfg.sessionMinutes);
        }
        restore();
        schedule(0);
      }
      consent = granted ? 'granted' : 'denied';
    },
    debug: setDebug,
  };

  // no call may throw into the page, whatever it is given (a Proxy, a getter that throws)
  for (const [m, f] of Object.entries(api))
    (api as any)[m] = (...args: unknown[]) => {
      try {
        return f(...args);
      } catch (e) {
        warn('depict.' + m + '() failed', e);
      }
    };
  before(api);
  // pagehide passes its event: the page is left, and copies its events to localStorage
  addEventListener('visibilitychange', () => document.hidden && hide());
  addEventListener('pagehide', hide);
  // a background tab the browser freezes (Chrome: Android after minutes hidden, Memory Saver,
  // Energy Saver) may be discarded next, without pagehide: its last chance, as at pagehide (a
  // send, the copy, the lock let go: a frozen tab would hold it for as long as it is frozen).
  // The event is the document's: caught on its way down (capture)
  addEventListener('freeze', hide, true);
  // the wrapped flush, which the page's own calls use too (it ignores the event it is given)
  addEventListener('online', api.flush);
  // the Navigation API's object, not a page element with id="navigation" (which browsers
  // without the API expose as window.navigation): an element has no currentEntry, and the
  // API has none where it fires no events (an opaque origin: a sandboxed iframe)
  type Nav = { navigation?: EventTarget & { transition?: unknown; currentEntry?: unknown } } & Window;
  const navigation = ((window as Nav).navigation?.currentEntry && (window as Nav).navigation) as Nav['navigation'];
  navigation?.addEventListener('navigate', (e: any) => {
    try {
      // the copy is made now: a tab closed during the navigation may never see pagehide.
      // Where localStorage does not take it (full, or denied), the page is not left as one
      // whose next page sends its events: it sends them itself, as without the Navigation API
      if (!e.destination.sameDocument && !e.downloadRequest && new URL(e.destination.url).origin == location.origin && consent == 'granted')
        keep() && (left = Date.now());
    } catch {}
  });

  /** A new page in this document: a client-side navigation (`previous`: the URL it left), or
   * the page back from the back/forward cache (the referrer). */
  const newPage = (previous: string, ms = rescan ? 1e3 : 0) => {
    // the page view that waits since an earlier task: sent now, for the URL it counts (one
    // task's navigations, such as a push and a redirect, are one page view: of the last URL,
    // with the first URL left as referrer)
    if (later && !fresh) pending(-1, previous);
    if (!(later && on('page_view'))) referrer = previous;
    cleaned = {};
    // a navigation that began to leave, and that a router intercepted (navigation.intercept()),
    // commits in this document (the only commit with a transition; not the page's own
    // pushState or replaceState while a link loads): not left after all, and this tab's
    // events come out of the copy (the page view, or the next event, sends them)
    if (left && navigation?.transition) (left = 0), keep(q.unsent().map((e) => e.deduplication_id));
    // the page view once the new page is in, what is on it once the router has rendered it: a
    // second at most (the dwell of an impression); without the observer (page views and
    // clicks only), nothing tells: at the end of this task
    pending(ms);
  };
  const look = watchNavigation(navigation, newPage);
  // back from the back/forward cache: this page sends again, and is a new page view
  addEventListener('pageshow', (e) => ((left = 0), e.persisted && ((shown = ''), newPage(document.referrer, 0))));
  // a product link's context menu may open it in a new tab, which no event tells: the click is
  // not sent, but the product is remembered, so that an add to cart there is credited; its
  // fields cleaned as emit() cleans a click's (a value too long to send is not remembered)
  watchClicks(([type, el, href], menu) =>
    menu
      ? type == 'click' && on(type) && consent != 'denied' && remember(clean(fieldsOf(el))![0], cfg.attributionHours)
      : on(type == 'click' ? type : 'add_to_cart') && emit(type, { page_url: href, ...fieldsOf(el) }),
  );
  // only the kinds that are on: page views and clicks alone need no observer and no query
  rescan = watchDom(
    // a change in <head> is not the new page: a library that sets the new page's <title> as its
    // fetch ends, before its transition swaps the page in (Barba)
    // (a change after a URL change that the snippet has not heard of yet is the new page's:
    // looked at once for each callback of the observer)
    // (nor is text alone put in or taken out: a countdown's or a "12 viewing" ticker's
    // textContent, which may tick while a page-transition library fetches the page)
    (records) => (look(), later && records.some((r) => !document.head?.contains(r.target) && [...r.addedNodes, ...r.removedNodes].some((n) => n.nodeType == 1)) && pending()),
    on('element_visible') && (observe),
    on('recommendations_inserted') &&
      ((el) => once('recommendations_inserted', el)),
    on('purchase') &&
      ((el) => {
        if (!purchases.has(el)) {
          purchases.add(el);
          try {
            api.purchase(JSON.parse(el.textContent!));
          } catch {
            warn('a data-depict-purchase block is not valid JSON', el);
          }
        }
      }),
    release,
  );
  // the first page view, then the first scan (its widgets and purchases come after it)
  pending(0);
  // what the last page left behind (while consent is pending: once it is given), and again
  // when a prerendered page is shown (the page left for it has left its events since)
  if (consent == 'granted') restore();
  document.addEventListener('prerenderingchange', () => {
    if (consent == 'granted') restore();
    // the copy the page left for this one may reach it only now (Chromium: that page's
    // write comes from another renderer, as a storage event, often after activation)
    addEventListener('storage', (e) => e.key == UNSENT && e.newValue && consent == 'granted' && (restore(), schedule(0)));
  });
  schedule(cfg.batchMs);
  return api;
}
