// The event queue (src/queue.ts) over fake-indexeddb: a fresh IDBFactory per test, and a
// fresh import of the queue (and idb-keyval) so no connection leaks from one test to another.
import 'fake-indexeddb/auto';
import { IDBDatabase as FDBDatabase, IDBFactory, IDBObjectStore as FDBObjectStore, IDBTransaction as FDBTransaction } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Queue, Rec } from '../src/queue';
import type { DepictEvent } from '../src/schema';

type Create = typeof import('../src/queue').createQueue;

/** The queue as the tracker makes it, with whether the page is being left (`leaving`). */
let createQueue: (persisting: boolean, warn: Parameters<Create>[1], max?: number, maxBytes?: number) => Queue;
let leaving = false;
let now = 1_700_000_000_000;
const realIndexedDB = globalThis.indexedDB;

beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory();
  vi.resetModules();
  const create: Create = (await import('../src/queue')).createQueue;
  leaving = false;
  createQueue = (persisting, warn, max, maxBytes) => create(persisting, warn, () => leaving, max, maxBytes);
  now = 1_700_000_000_000;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  // the test's last write, which waits for the next task: into this test's database
  await new Promise((r) => setTimeout(r));
  globalThis.indexedDB = realIndexedDB;
});

/** Moves the clock on, so that the next event is newer. */
const tick = (ms = 1) => vi.setSystemTime((now += ms));

const ev = (id: string, extra: Partial<DepictEvent> = {}): DepictEvent => ({
  tenant: 't',
  market: 'm',
  type: 'click',
  deduplication_id: id,
  ...extra,
});

const ids = (recs: Rec[]) => recs.map((r) => r.e.deduplication_id);

/** Adds events one millisecond apart, in the order given. */
function addAll(q: Queue, ...names: string[]) {
  for (const n of names) {
    q.add(ev(n));
    tick();
  }
}

const dbNames = async () => (await indexedDB.databases()).map((d) => d.name);

/** The keys in the `depict` database, read with a connection of our own (opened once the
 * database exists; do not use it in a test that then deletes the database). */
async function storedKeys(): Promise<string[]> {
  const { createStore, keys } = await import('idb-keyval');
  return ((await keys(createStore('depict', 'events'))) as string[]).sort();
}

const noWarn = () => vi.fn<(msg: string, e?: unknown) => void>();

describe('queue with IndexedDB', () => {
  it('returns what was added, oldest first', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'zz', 'mm', 'aa', 'nn');
    const recs = await q.take();
    expect(ids(recs)).toEqual(['zz', 'mm', 'aa', 'nn']);
    expect(recs[0].e).toEqual(ev('zz'));
    expect(recs[0].t).toBe(1_700_000_000_000);
  });

  it('writes every event to IndexedDB, keyed by deduplication_id', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a', 'b');
    await q.take();
    expect(await dbNames()).toContain('depict');
    expect(await storedKeys()).toEqual(['a', 'b']);
  });

  it('keeps one record per deduplication_id', async () => {
    const q = createQueue(true, noWarn());
    q.add(ev('a', { user_id: 'first' }));
    tick();
    q.add(ev('a', { user_id: 'second' }));
    const recs = await q.take();
    expect(recs).toHaveLength(1);
    expect(recs[0].e.user_id).toBe('second');
  });

  it('take leaves out events being sent (fly) until they are settled as not gone', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a', 'b');
    const first = q.fly(await q.take());
    expect(ids(first)).toEqual(['a', 'b']);
    expect(await q.take()).toEqual([]);
    addAll(q, 'c');
    expect(ids(q.fly(await q.take()))).toEqual(['c']);
    expect(q.fly(first)).toEqual([]);
    q.settle(first, false);
    expect(ids(await q.take())).toEqual(['a', 'b']);
  });

  it('settle(…, true) deletes the events from IndexedDB', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a', 'b', 'c');
    const recs = await q.take();
    q.settle(recs.slice(0, 2), true);
    q.settle(recs.slice(2), false);
    expect(ids(await q.take())).toEqual(['c']);
    // a fresh queue (a reload, another tab) does not find them either
    const again = createQueue(true, noWarn());
    expect(ids(await again.take())).toEqual(['c']);
    expect(await storedKeys()).toEqual(['c']);
  });

  it("writes a task's events in the next task, unless the page is being left by then", async () => {
    // A link's click is added before its navigation starts; a transaction still open when
    // Chromium freezes the page in the back/forward cache gets the page evicted (its
    // localStorage copy keeps the event then, and the next page sends it)
    const q = createQueue(true, noWarn());
    addAll(q, 'click');
    leaving = true; // the navigation starts, in the same task
    await new Promise((r) => setTimeout(r)); // the next task: the write's turn
    leaving = false; // (a navigation that did not leave after all)
    addAll(q, 'later');
    expect(ids(await q.take())).toEqual(['click', 'later']); // from memory, and from the store
    expect(await storedKeys()).toEqual(['later']);
  });

  it('events written by one queue are taken by another (the tabs share the store)', async () => {
    const tab1 = createQueue(true, noWarn());
    const tab2 = createQueue(true, noWarn());
    addAll(tab1, 'from-1');
    addAll(tab2, 'from-2');
    tab1.settle(await tab1.take(), false); // waits for tab1's write
    tab2.settle(await tab2.take(), false);
    expect(ids(await tab2.take())).toEqual(['from-1', 'from-2']);
    expect(ids(await tab1.take())).toEqual(['from-1', 'from-2']);
  });

  it('restore() puts an earlier page’s events into IndexedDB, not among this tab’s own', async () => {
    const page1 = createQueue(true, noWarn());
    addAll(page1, 'left');
    const left = page1.pending().map((r) => r.e);
    const page2 = createQueue(true, noWarn());
    tick();
    addAll(page2, 'mine');
    await page2.restore(left);
    // queued by an earlier page: sent first, although put back after this page's own
    expect(ids(await page2.take())).toEqual(['left', 'mine']);
    // this page's unload sends and copies only its own events: no snowball across pages
    expect(ids(page2.pending())).toEqual(['mine']);
  });

  it('events of an earlier page are taken by the next one', async () => {
    const page1 = createQueue(true, noWarn());
    addAll(page1, 'old');
    await page1.take();
    const page2 = createQueue(true, noWarn());
    expect(ids(await page2.take())).toEqual(['old']);
  });

  it('pending() gives this tab’s events that are not being sent; taken is not being sent', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a', 'b');
    const taken = await q.take();
    // taken by a send loop, not yet posted: a send at unload must still carry them
    expect(ids(q.pending())).toEqual(['a', 'b']);
    q.fly(taken);
    expect(q.pending()).toEqual([]);
    q.settle(taken, false);
    expect(ids(q.pending())).toEqual(['a', 'b']);
    q.fly(q.pending());
    expect(await q.take()).toEqual([]);
  });

  it('forgets an event another tab delivered after persist(true) wrote it', async () => {
    const tab1 = createQueue(false, noWarn());
    addAll(tab1, 'a');
    expect(ids(await tab1.take())).toEqual(['a']); // in memory only
    tab1.persist(true);
    await vi.waitFor(async () => expect(await storedKeys()).toEqual(['a']));
    const tab2 = createQueue(true, noWarn());
    tab2.settle(await tab2.take(), true); // tab2 delivered it
    expect(await tab1.take()).toEqual([]);
    expect(tab1.unsent()).toEqual([]);
  });

  it('forgets an event another tab delivered (written here, then gone from the store)', async () => {
    const tab1 = createQueue(true, noWarn());
    const tab2 = createQueue(true, noWarn());
    addAll(tab1, 'a');
    tab1.settle(await tab1.take(), false);
    tab2.settle(await tab2.take(), true); // tab2 delivered it
    expect(await tab1.take()).toEqual([]);
    expect(tab1.pending()).toEqual([]);
  });

  it('an event delivered by another send of this page is not sent again by a batch taken before', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a', 'b');
    const taken = await q.take(); // the loop's batch, not yet posted
    // meanwhile the tab is hidden: its pending events go at once, and are delivered
    const hidden = q.fly(q.pending());
    q.settle(hidden, true);
    expect(q.fly(taken)).toEqual([]);
    expect(await q.take()).toEqual([]);
  });

  it('remembers the newest 2 × max delivered ids only: a page open all day keeps no id it ever sent', async () => {
    const q = createQueue(true, noWarn(), 2);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      addAll(q, name);
      q.settle(q.fly(await q.take()), true);
    }
    // a batch taken long ago holding the oldest ids (or a delete that failed): the newest
    // four are still known as delivered, the first one is forgotten
    const stale = ['a', 'b', 'c', 'd', 'e'].map((k, t) => ({ e: ev(k), t }));
    expect(ids(q.fly(stale))).toEqual(['a']);
  });

  it('events added in one task are written in one transaction', async () => {
    const q = createQueue(true, noWarn());
    await q.take(); // the database is open
    const tx = vi.spyOn(FDBDatabase.prototype, 'transaction');
    for (let i = 0; i < 200; i++) q.add(ev('burst' + i));
    await vi.waitFor(async () => expect(await storedKeys()).toHaveLength(200));
    expect(tx.mock.calls.filter((c) => c[1] == 'readwrite')).toHaveLength(1);
  });

  it('each transaction is committed as soon as its requests are made, not once their answers are in', async () => {
    // (a page frozen in the back/forward cache before it has the answers would hold the store)
    const inTask: boolean[] = [];
    let made = 0;
    // the queue's connection is the first (storedKeys opens one of its own); not the upgrade
    let queues: IDBDatabase | undefined;
    const tx = FDBDatabase.prototype.transaction;
    vi.spyOn(FDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...a: any[]) {
      const t = (tx as any).apply(this, a);
      if (a[1] == 'versionchange' || (queues ||= this) != this) return t;
      made++;
      let now = true;
      queueMicrotask(() => (now = false));
      const commit = t.commit;
      t.commit = () => (inTask.push(now), commit.call(t));
      return t;
    });
    const q = createQueue(true, noWarn());
    addAll(q, 'a', 'b');
    const [a] = await vi.waitFor(async () => {
      const recs = await q.take();
      expect(recs).toHaveLength(2);
      return recs;
    });
    q.settle([a], true);
    await vi.waitFor(async () => expect(await storedKeys()).toEqual(['b']));
    // a write, one or more reads, a delete
    expect(made).toBeGreaterThanOrEqual(3);
    expect(inTask).toEqual(Array(made).fill(true));
  });

  it('without IDBTransaction.commit() (Safari before 15): written, read and deleted as before, no warning', async () => {
    const commit = FDBTransaction.prototype.commit;
    (FDBTransaction.prototype as any).commit = undefined;
    try {
      const warn = noWarn();
      const q = createQueue(true, warn);
      addAll(q, 'a', 'b');
      await vi.waitFor(async () => expect(await storedKeys()).toEqual(['a', 'b']));
      const recs = await q.take();
      q.settle([recs[0]], true);
      await vi.waitFor(async () => expect(await storedKeys()).toEqual(['b']));
      expect(warn).not.toHaveBeenCalled();
    } finally {
      FDBTransaction.prototype.commit = commit;
    }
  });

  it('a write whose transaction aborts at once (a full quota): memory, one warning, no unhandled rejection', async () => {
    const put = FDBObjectStore.prototype.put;
    vi.spyOn(FDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...a: any[]) {
      const r = (put as any).apply(this, a);
      this.transaction.abort();
      return r;
    });
    const unhandled: unknown[] = [];
    const note = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', note);
    try {
      const warn = noWarn();
      const q = createQueue(true, warn);
      addAll(q, 'a');
      await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
      expect(ids(await q.take())).toEqual(['a']);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', note);
    }
  });

  it('the count bound drops the oldest, with a warning', async () => {
    const warn = noWarn();
    const q = createQueue(true, warn, 3);
    addAll(q, 'e1', 'e2', 'e3', 'e4', 'e5');
    expect(ids(await q.take())).toEqual(['e3', 'e4', 'e5']);
    expect(warn).toHaveBeenCalled();
    expect(warn.mock.calls.every(([m]) => /queue is full: dropped the oldest/.test(m))).toBe(true);
    // dropped for good, from IndexedDB too
    const other = createQueue(true, noWarn());
    expect(ids(await other.take())).toEqual(['e3', 'e4', 'e5']);
  });

  it('a burst over the count bound writes only the newest: nothing to delete again', async () => {
    const q = createQueue(true, noWarn(), 3);
    await q.take(); // the database is open
    const puts = vi.spyOn(FDBObjectStore.prototype, 'put');
    addAll(q, 'e1', 'e2', 'e3', 'e4', 'e5');
    await vi.waitFor(async () => expect(await storedKeys()).toHaveLength(3));
    expect(puts.mock.calls.map((c) => c[1]).sort()).toEqual(['e3', 'e4', 'e5']);
  });

  it('an event the count bound drops once it is written is deleted from IndexedDB too, without a take() (offline, none runs)', async () => {
    const q = createQueue(true, noWarn(), 3);
    addAll(q, 'e1', 'e2', 'e3');
    await vi.waitFor(async () => expect(await storedKeys()).toEqual(['e1', 'e2', 'e3']));
    addAll(q, 'e4', 'e5');
    await vi.waitFor(async () => expect(await storedKeys()).toEqual(['e3', 'e4', 'e5']));
  });

  it('what other tabs stored beyond the count bound is dropped by take(), with a warning', async () => {
    const warn = noWarn();
    const other = createQueue(true, noWarn(), 3);
    addAll(other, 'e1', 'e2');
    await vi.waitFor(async () => expect(await storedKeys()).toHaveLength(2));
    const q = createQueue(true, warn, 3);
    addAll(q, 'e3', 'e4');
    expect(ids(await q.take())).toEqual(['e2', 'e3', 'e4']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/queue is full: dropped the 1 oldest/);
  });

  it('the bytes bound drops the oldest, with a warning', async () => {
    const warn = noWarn();
    const size = JSON.stringify(ev('e1', { url: 'x'.repeat(100) })).length;
    const q = createQueue(true, warn, 1000, Math.floor(size * 2.5));
    for (const n of ['e1', 'e2', 'e3', 'e4']) {
      q.add(ev(n, { url: 'x'.repeat(100) }));
      tick();
    }
    expect(ids(await q.take())).toEqual(['e3', 'e4']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/dropped the 2 oldest/);
  });

  it('one event over the bytes bound is dropped, smaller newer ones are kept', async () => {
    const warn = noWarn();
    const q = createQueue(true, warn, 1000, 500);
    q.add(ev('big', { url: 'x'.repeat(1000) }));
    tick();
    addAll(q, 'small');
    expect(ids(await q.take())).toEqual(['small']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  // BUG (src/queue.ts take): `all.sort((a, b) => b.t - a.t)` then `.reverse()` puts events
  // queued in the same millisecond in reverse order (memory: reversed insertion order;
  // IndexedDB: reversed key order, i.e. random for uuid keys). `purchase()` of a 3-line order,
  // or a page_view and the recommendations_inserted found at start, share a millisecond, so
  // they are sent in the wrong order.
  it('BUG: events queued in the same millisecond come out in the order they were added', async () => {
    const q = createQueue(true, noWarn());
    for (const n of ['b', 'c', 'a']) q.add(ev(n)); // no tick
    expect(ids(await q.take())).toEqual(['b', 'c', 'a']);
  });
});

describe('queue in memory (persist false)', () => {
  it('keeps events in memory and creates no database', async () => {
    const q = createQueue(false, noWarn());
    addAll(q, 'a', 'b');
    expect(ids(await q.take())).toEqual(['a', 'b']);
    expect(await dbNames()).not.toContain('depict');
  });

  it('flying and settle work the same', async () => {
    const q = createQueue(false, noWarn());
    addAll(q, 'a', 'b');
    const recs = q.fly(await q.take());
    expect(await q.take()).toEqual([]);
    q.settle(recs.slice(0, 1), true);
    q.settle(recs.slice(1), false);
    expect(ids(await q.take())).toEqual(['b']);
  });

  it('the count bound keeps the newest', async () => {
    const q = createQueue(false, noWarn(), 3);
    addAll(q, 'e1', 'e2', 'e3', 'e4', 'e5');
    expect(ids(await q.take())).toEqual(['e3', 'e4', 'e5']);
  });

  // BUG (src/queue.ts add): in memory, `add` drops the oldest event beyond `max` silently;
  // the module promises "the oldest events go first, with a warning" (the warning is only
  // given by take(), which in memory never sees more than `max` events).
  it('BUG: the count bound warns in memory too', async () => {
    const warn = noWarn();
    const q = createQueue(false, warn, 3);
    addAll(q, 'e1', 'e2', 'e3', 'e4', 'e5');
    await q.take();
    expect(warn).toHaveBeenCalled();
  });

  it('the bytes bound warns in memory', async () => {
    const warn = noWarn();
    const q = createQueue(false, warn, 1000, 200);
    for (const n of ['e1', 'e2', 'e3']) {
      q.add(ev(n, { url: 'x'.repeat(100) }));
      tick();
    }
    expect(ids(await q.take())).toEqual(['e3']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('persist(true) writes what memory holds to IndexedDB', async () => {
    const q = createQueue(false, noWarn());
    addAll(q, 'a', 'b');
    q.persist(true);
    await vi.waitFor(async () => expect(await dbNames()).toContain('depict'));
    await vi.waitFor(async () => expect(await storedKeys()).toEqual(['a', 'b']));
    addAll(q, 'c');
    expect(ids(await q.take())).toEqual(['a', 'b', 'c']);
    expect(await storedKeys()).toEqual(['a', 'b', 'c']);
  });

  it('persist(false) forgets memory and deletes the database', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a', 'b');
    q.settle(await q.take(), false);
    expect(await dbNames()).toContain('depict');
    q.persist(false);
    expect(q.pending()).toEqual([]);
    await vi.waitFor(async () => expect(await dbNames()).not.toContain('depict'));
    expect(await q.take()).toEqual([]);
    // and writes nothing more
    addAll(q, 'c');
    expect(ids(await q.take())).toEqual(['c']);
    expect(await dbNames()).not.toContain('depict');
  });

  it('persist(false) right after adds (connection still opening) deletes the database too', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a');
    q.persist(false);
    await vi.waitFor(async () => expect(await dbNames()).not.toContain('depict'));
    await new Promise((r) => setTimeout(r, 20));
    expect(await dbNames()).not.toContain('depict');
  });

  it('persist(false) then persist(true) stores again', async () => {
    const q = createQueue(true, noWarn());
    addAll(q, 'a');
    q.settle(await q.take(), false);
    q.persist(false);
    await vi.waitFor(async () => expect(await dbNames()).not.toContain('depict'));
    q.persist(true);
    addAll(q, 'b');
    expect(ids(await q.take())).toEqual(['b']);
    expect(await storedKeys()).toEqual(['b']);
  });
});

describe('queue when IndexedDB fails', () => {
  const MSG = 'IndexedDB failed; the events are kept in memory';

  it('indexedDB.open throwing: memory, one warning, events still taken', async () => {
    const open = vi.fn(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    });
    globalThis.indexedDB = { open, deleteDatabase() {} } as unknown as IDBFactory;
    const warn = noWarn();
    const q = createQueue(true, warn);
    addAll(q, 'a', 'b');
    expect(ids(await q.take())).toEqual(['a', 'b']);
    addAll(q, 'c');
    q.settle(await q.take(), true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(MSG);
    expect(open).toHaveBeenCalledTimes(2); // tried, reopened once, then gave up
  });

  it('no indexedDB at all: memory, one warning', async () => {
    // @ts-expect-error: a browser without IndexedDB
    delete globalThis.indexedDB;
    const warn = noWarn();
    const q = createQueue(true, warn);
    addAll(q, 'a');
    expect(ids(await q.take())).toEqual(['a']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(() => q.persist(false)).not.toThrow();
  });

  it('an open request that errors: memory, one distinct warning, events still taken', async () => {
    const open = vi.fn(() => {
      const req = { error: new DOMException('blocked by the browser', 'UnknownError') } as Record<string, any>;
      setTimeout(() => req.onerror?.(new Event('error')));
      return req;
    });
    globalThis.indexedDB = { open, deleteDatabase() {} } as unknown as IDBFactory;
    const warn = noWarn();
    const q = createQueue(true, warn);
    addAll(q, 'a', 'b');
    expect(ids(q.fly(await q.take()))).toEqual(['a', 'b']);
    addAll(q, 'c');
    expect(ids(await q.take())).toEqual(['c']);
    // operations already under way when IndexedDB failed may each warn; log.ts's warn() shows
    // a message once, so the page sees one warning
    expect(new Set(warn.mock.calls.map((c) => c[0]))).toEqual(new Set([MSG]));
    const calls = warn.mock.calls.length;
    addAll(q, 'd');
    await q.take();
    expect(warn.mock.calls.length).toBe(calls); // nothing more once in memory
  });

  it('an IndexedDB that never answers (a page in the back/forward cache holds the store): memory after 3 s, one warning', async () => {
    // an open request that never fires, as when another page's transaction holds the store
    globalThis.indexedDB = { open: vi.fn(() => ({})), deleteDatabase() {} } as unknown as IDBFactory;
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
    const warn = noWarn();
    const q = createQueue(true, warn);
    addAll(q, 'a', 'b');
    let taken: Rec[] | undefined;
    void q.take().then((r) => (taken = r));
    await vi.advanceTimersByTimeAsync(2_900);
    expect(taken).toBeUndefined(); // still waiting for IndexedDB
    await vi.advanceTimersByTimeAsync(200);
    expect(ids(taken!)).toEqual(['a', 'b']);
    expect(new Set(warn.mock.calls.map((c) => c[0]))).toEqual(new Set([MSG]));
    // from then on, memory only: nothing waits any more
    addAll(q, 'c');
    expect(ids(await q.take())).toEqual(['a', 'b', 'c']);
  });

  /** Makes the snippet's next `n` IndexedDB transactions throw, as WebKit's "connection lost". */
  function failTransactions(n: number) {
    const orig = FDBDatabase.prototype.transaction;
    vi.spyOn(FDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...a: any[]) {
      // fake-indexeddb opens versionchange transactions of its own: leave those alone
      if (a[1] != 'versionchange' && n-- > 0)
        throw new DOMException('Connection to Indexed Database server lost. Refresh the page to try again', 'UnknownError');
      return (orig as any).apply(this, a);
    });
  }

  it('a failing transaction is retried on a fresh connection once, without a warning', async () => {
    failTransactions(1);
    const warn = noWarn();
    const q = createQueue(true, warn);
    addAll(q, 'a');
    await vi.waitFor(async () => expect(await storedKeys()).toEqual(['a']));
    expect(ids(await q.take())).toEqual(['a']);
    expect(warn).not.toHaveBeenCalled();
  });

  it('two failures in a row: memory for the rest of the page, one warning', async () => {
    failTransactions(2);
    const warn = noWarn();
    const q = createQueue(true, warn);
    addAll(q, 'a');
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(MSG, expect.anything()));
    addAll(q, 'b');
    expect(ids(await q.take())).toEqual(['a', 'b']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  // BUG (src/queue.ts take): when IndexedDB answers, take() returns only what IndexedDB
  // holds and ignores memory. An event whose write failed once and is being retried on a
  // fresh connection is in memory only for that while, so a take() then misses it; the
  // tracker's loop sees an empty queue and stops, and the event waits for the next trigger
  // (another event, a reload). Delayed, not lost.
  it('BUG: take() right after an add whose write is being retried still returns the event', async () => {
    failTransactions(1);
    const q = createQueue(true, noWarn());
    addAll(q, 'a');
    expect(ids(await q.take())).toEqual(['a']);
  });
});
