import { promisifyRequest, type UseStore } from 'idb-keyval';
import { json } from './fields';
import type { DepictEvent } from './schema';

/** A queued event and when it was queued. */
export interface Rec {
  e: DepictEvent;
  t: number;
  /** written to IndexedDB (in memory only) */
  p?: 1;
}

/** idb-keyval's `createStore('depict', 'events')`, written out with the names in it (smaller
 * in the snippet): one connection, opened at the first transaction and again after it closes
 * or fails to open. Each transaction is committed as soon as `op` has made its requests, not
 * once the page has had their answers: a page frozen in the back/forward cache before then
 * (a send's answer that came as it was left, and the delete that followed) would hold the
 * store: Chromium evicts it when the next page's transaction waits for it, and in WebKit that
 * transaction waits for as long as the page stays cached. */
const createStore = (): UseStore => {
  let dbp: Promise<IDBDatabase> | undefined;
  const lost = () => {
    dbp = undefined;
  };
  return (mode, op) => {
    if (!dbp) {
      const r = indexedDB.open('depict');
      r.onupgradeneeded = () => r.result.createObjectStore('events');
      (dbp = promisifyRequest(r)).then((d) => {
        d.onclose = lost;
      }, lost);
    }
    return dbp.then((d, t = d.transaction('events', mode), p = op(t.objectStore('events'))) => {
      // (it throws when the transaction has ended already, aborted: `p` says why; and where
      // there is no commit(), Safari before 15: the transaction commits as before)
      try {
        t.commit();
      } catch {}
      return p;
    });
  };
};

export interface Queue {
  /** Writes an event ahead of any send: to memory at once, to IndexedDB as soon as it can. */
  add(e: DepictEvent): void;
  /** What may be sent now, oldest first: every tab's events from IndexedDB (or this tab's,
   * from memory, where IndexedDB fails), less those being sent. */
  take(): Promise<Rec[]>;
  /** This tab's undelivered events that are not being sent, for a send at unload. */
  pending(): Rec[];
  /** Marks events as being sent, right before they are: returns those that were not yet. */
  fly(recs: Rec[]): Rec[];
  /** Puts back what an earlier page left: into IndexedDB only (not this tab's own events, so
   * that this page's unload does not send and copy them again), or memory if it fails.
   * Resolves once they are there. */
  restore(events: DepictEvent[]): Promise<unknown>;
  /** All of this tab's undelivered events. */
  unsent(): DepictEvent[];
  /** After a send: forget delivered (or rejected) events; let the others be taken again. */
  settle(recs: Rec[], gone: boolean): void;
  /** Consent given: write what memory holds to IndexedDB. Refused: delete everything. */
  persist(on: boolean): void;
}

/**
 * The event queue, shared by the site's tabs through IndexedDB (a database of the
 * snippet's own, `depict`, store `events`, keyed by deduplication_id), bounded by count
 * and bytes: the oldest events go first, with a warning. Where IndexedDB fails — missing,
 * a rejected open, WebKit's "connection lost", a full quota — it reopens once, then keeps
 * the queue in memory for the rest of the page.
 */
export function createQueue(
  persisting: boolean,
  warn: (msg: string, e?: unknown) => void,
  leaving: () => boolean,
  max = 1000,
  maxBytes = 1 << 20,
): Queue {
  const mem = new Map<string, Rec>();
  const flying = new Set<string>();
  // undefined: not opened yet; null: IndexedDB is unusable on this page
  let store: UseStore | null | undefined;
  const id = (r: Rec) => r.e.deduplication_id!;
  /** Delivered (or dropped) by this page: never sent again, even when a batch taken before
   * the answer (or IndexedDB not yet rid of it) still holds it. The newest 2 × max only: a
   * page open all day must not keep every id it ever sent (an older one could come back
   * only from a delete that failed, and the API dedups it). */
  const done = new Set<string>();
  const free = (recs: Rec[]) => recs.filter((r) => !flying.has(id(r)) && !done.has(id(r)));

  /**
   * Runs one IndexedDB transaction, reopening the database once on failure: resolves to
   * what `op` resolves to, or undefined where IndexedDB is not used. One that has not
   * finished within 3 s is not waited for again: the memory queue takes over. IndexedDB can
   * hang rather than fail: a page kept in the back/forward cache with a transaction open
   * holds the store, in WebKit and Firefox, and every later page's transactions wait for it.
   */
  async function db<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => Promise<T>): Promise<T | void> {
    for (const again of [0, 1])
      try {
        // memory only: IndexedDB failed, or is not to be used
        if (store === null || !persisting) return;
        if (again || !store) store = createStore();
        return await Promise.race([store(mode, op), new Promise<never>((_, ko) => setTimeout(ko, 3e3, 'timeout'))]);
      } catch (e) {
        // ('timeout': why IndexedDB was given up on, when it did not answer)
        if (again || e == 'timeout') warn('IndexedDB failed; the events are kept in memory', e), (store = null);
      }
  }

  /** Writes events (or deletes them) in one transaction. Once it is committed, marks them
   * as written and resolves to a truthy value (undefined: IndexedDB did not take them). */
  const save = async (recs: Rec[], del?: boolean) =>
    // nothing to write (an earlier page left nothing: the usual start-up), no transaction
    !recs.length ||
    db('readwrite', (s) => {
      for (const r of recs) del ? s.delete(id(r)) : s.put(r, id(r));
      return promisifyRequest(s.transaction).then(() => recs.map((r) => (r.p = 1)));
    });

  let last = 0;
  /** Events added during the current task: written together, in one transaction, in the
   * next task (a burst of impressions, or a loop of track() calls, costs one) — unless the
   * page is being left by then (a link clicked: the click is added before the navigation
   * starts). Its copy in localStorage keeps them then, and the next page sends them: a
   * transaction that had not committed when Chromium froze the page in the back/forward
   * cache holds the store, and Chromium evicts the page when the next page's transaction
   * waits for it. */
  let burst: Rec[] | undefined;
  const write = () => {
    // not what the count bound already dropped: a loop of 10,000 track() calls writes the
    // newest `max`, not 10,000 to delete again
    if (burst && !leaving()) save(burst.filter((r) => mem.has(id(r))));
    burst = undefined;
  };

  return {
    add(e) {
      // a time that only grows: events of the same millisecond keep their order
      const r: Rec = { e, t: (last = Math.max(Date.now(), last + 1e-3)) };
      mem.set(id(r), r);
      if (mem.size > max) {
        const o = mem.values().next().value!;
        mem.delete(id(o));
        // from IndexedDB too, once written (offline, take(), which bounds the store, never runs)
        o.p && save([o], true);
        // take() bounds what other tabs and earlier pages stored
        warn('the queue is full: dropped the oldest event');
      }
      if (!burst) {
        setTimeout(write);
        burst = [];
      }
      burst.push(r);
    },

    async take() {
      write(); // ahead of the read
      const stored = await db('readonly', (s) => promisifyRequest<Rec[]>(s.getAll()));
      const all = new Map(stored?.map((r) => [id(r), r]));
      // written, but gone from the store: another tab delivered it; not written yet (or
      // failing): this tab sends it
      for (const [k, r] of mem) if (!all.has(k)) stored && r.p ? mem.delete(k) : all.set(k, r);
      const recs = [...all.values()].sort((a, b) => a.t - b.t);
      // keep the newest within the bounds
      let size = 0;
      let n = recs.length;
      while (n && recs.length - n < max && (size += json(recs[n - 1].e).length) <= maxBytes) n--;
      const over = recs.splice(0, n);
      if (n) warn(`the queue is full: dropped the ${n} oldest events`), this.settle(over, true);
      return free(recs);
    },

    pending: () => free([...mem.values()]),

    fly: (recs) => free(recs).filter((r) => flying.add(id(r))),

    restore(events) {
      // older than what this page queues: they were queued by earlier pages, in this order
      const recs = events.map((e, t) => ({ e, t }));
      return save(recs).then((ok) => ok || recs.forEach((r) => mem.set(id(r), r)));
    },

    unsent: () => [...mem.values()].map((r) => r.e),

    settle(recs, gone) {
      for (const k of recs.map(id)) {
        flying.delete(k);
        if (gone) mem.delete(k), done.add(k);
      }
      if (gone) {
        for (const k of done) if (done.size > 2 * max) done.delete(k);
        else break;
        save(recs, true);
      }
    },

    persist(on) {
      persisting = on;
      if (on) save([...mem.values()]);
      else {
        mem.clear();
        // the open connection would block the deletion until the page closes
        store?.('readonly', (s) => s.transaction.db.close()).catch(() => {});
        store = undefined;
        try {
          indexedDB.deleteDatabase('depict');
        } catch {}
      }
    },
  };
}
