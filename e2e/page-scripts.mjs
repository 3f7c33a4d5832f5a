// Scripts run inside pages by both the Playwright specs (e2e/) and the WebKit suite
// (e2e-webkit/), as source text: each engine's driver evaluates it in the page.

/**
 * An expression (a promise) that opens the snippet's database and keeps a write transaction
 * on its store alive for as long as the page lives, so that every other page's transactions
 * on it wait: what a page kept in WebKit's or Firefox's back/forward cache with a transaction
 * open does to the site's later pages.
 */
export const holdStore = `new Promise((ok) => {
  const r = indexedDB.open('depict');
  r.onupgradeneeded = () => r.result.createObjectStore('events');
  r.onsuccess = () => {
    const store = r.result.transaction('events', 'readwrite').objectStore('events');
    const spin = () => (store.get('-').onsuccess = spin);
    spin();
    ok();
  };
})`;

/**
 * An expression (a promise) that runs a readwrite transaction on the snippet's store, and
 * settles once it has committed: the transactions begun before it have had their turn.
 */
export const storeTurn = `new Promise((ok, ko) => {
  const r = indexedDB.open('depict');
  r.onsuccess = () => {
    const t = r.result.transaction('events', 'readwrite');
    t.objectStore('events').get('-');
    t.oncomplete = ok;
    t.onabort = () => ko(t.error);
  };
  r.onerror = () => ko(r.error);
})`;

/**
 * An expression (a promise, settled once the lock is held) that takes the snippet's Web Lock
 * and never gives it back: what a page frozen in the back/forward cache in the middle of a
 * send does to the site's other pages.
 */
export const holdLock = `new Promise((ok) => navigator.locks.request('depict', () => (ok(), new Promise(() => {}))))`;
