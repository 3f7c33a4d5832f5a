/**
 * The collector's store of accepted events: in memory for queries, appended to
 * `<dataDir>/events.ndjson` (one JSON object a line) so that events survive a restart.
 */
import { mkdir, readFile, appendFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { KIND, type DepictEvent } from '../schema.js';

/** What the collector knows of the request an event came in. */
export interface EventMeta {
  received_at: string;
  user_agent: string | null;
  referer: string | null;
  origin: string | null;
}

/**
 * An accepted event as stored and listed: the event's own fields (unknown ones dropped, as
 * the API's model drops them) and the collector's, which start with `_`.
 */
export type StoredEvent = Partial<DepictEvent> & {
  _seq: number;
  _received_at: string;
  _user_agent: string | null;
  _referer: string | null;
  _origin: string | null;
  /** The unknown fields the event carried, which the API ignores; only when there were some. */
  _ignored?: string[];
};

/** Filters of `list`, each optional; `since` keeps events whose `_seq` is greater. */
export interface EventFilter {
  tenant?: string;
  type?: string;
  session_id?: string;
  since?: number;
}

/** The store: see `openStore`. */
export interface Store {
  /** Path of the NDJSON file. */
  readonly file: string;
  /** The stored events that pass `filter`, oldest first. */
  list(filter?: EventFilter): StoredEvent[];
  /**
   * Stores the events of an accepted batch, skipping those whose (tenant,
   * deduplication_id) was stored before (or earlier in the batch); resolves once they are on
   * disk. Events without a deduplication_id are always stored.
   */
  add(events: DepictEvent[], meta: EventMeta): Promise<{ stored: StoredEvent[]; duplicates: number }>;
  /** Forgets all events, or one tenant's, on disk too; resolves to how many were removed. */
  clear(tenant?: string): Promise<number>;
  /** Resolves once every write so far is on disk. */
  flush(): Promise<void>;
}

/** The pair as JSON: no separator that a tenant or an id could hold (`a\u0000b` + `c` is not
 * `a` + `b\u0000c`). */
const dedupKey = (e: { tenant?: unknown; deduplication_id?: unknown }) =>
  typeof e.deduplication_id == 'string' ? JSON.stringify([e.tenant, e.deduplication_id]) : undefined;

const lines = (events: StoredEvent[]) => events.map((e) => JSON.stringify(e) + '\n').join('');

/**
 * Opens (creating it if needed) the store in `dataDir` and loads the events already there,
 * rebuilding the set of deduplication keys. Lines that do not parse (a write cut short by a
 * crash) are reported through `warn` and left out of the file.
 */
export async function openStore(dataDir: string, warn: (msg: string) => void): Promise<Store> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'events.ndjson');
  let events: StoredEvent[] = [];
  const seen = new Set<string>();
  let seq = 0;

  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code != 'ENOENT') throw e;
  }
  let bad = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as StoredEvent;
      if (typeof e != 'object' || e === null || typeof e._seq != 'number') throw new Error('not an event');
      events.push(e);
      seq = Math.max(seq, e._seq);
      const key = dedupKey(e);
      if (key) seen.add(key);
    } catch {
      bad++;
    }
  }
  if (bad) {
    warn(`${file}: left out ${bad} line(s) that are not stored events`);
    await writeFile(file, lines(events));
  }

  // Writes run one at a time, in call order, so the file follows the memory.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(write: () => Promise<T>): Promise<T> => {
    const p = queue.then(write);
    queue = p.catch(() => {});
    return p;
  };

  return {
    file,

    list({ tenant, type, session_id, since } = {}) {
      return events.filter(
        (e) =>
          (tenant === undefined || e.tenant === tenant) &&
          (type === undefined || e.type === type) &&
          (session_id === undefined || e.session_id === session_id) &&
          (since === undefined || e._seq > since),
      );
    },

    async add(batch, meta) {
      // Claim the keys now, synchronously: a retry racing this request must see them.
      const stored: StoredEvent[] = [];
      const keys: string[] = [];
      for (const event of batch) {
        const key = dedupKey(event);
        if (key) {
          if (seen.has(key)) continue;
          seen.add(key);
          keys.push(key);
        }
        const known: Record<string, unknown> = {};
        const ignored: string[] = [];
        for (const [name, v] of Object.entries(event))
          if (KIND[name] === undefined) ignored.push(name);
          else known[name] = v;
        stored.push({
          ...known,
          _seq: ++seq,
          _received_at: meta.received_at,
          _user_agent: meta.user_agent,
          _referer: meta.referer,
          _origin: meta.origin,
          ...(ignored.length ? { _ignored: ignored } : {}),
        });
      }
      events.push(...stored);
      try {
        if (stored.length) await enqueue(() => appendFile(file, lines(stored)));
      } catch (e) {
        // not on disk, so not accepted: forget them, so that the client's retry is stored
        const gone = new Set(stored);
        events = events.filter((x) => !gone.has(x));
        for (const key of keys) seen.delete(key);
        throw e;
      }
      return { stored, duplicates: batch.length - stored.length };
    },

    clear(tenant) {
      const before = events.length;
      events = tenant === undefined ? [] : events.filter((e) => e.tenant !== tenant);
      seen.clear();
      for (const e of events) {
        const key = dedupKey(e);
        if (key) seen.add(key);
      }
      // the file gets the events as they are now, not as they will be when the write runs
      const snapshot = lines(events);
      const removed = before - events.length;
      // _seq keeps counting, so a client's `since` stays meaningful
      return enqueue(async () => {
        await writeFile(file + '.tmp', snapshot);
        await rename(file + '.tmp', file);
        return removed;
      });
    },

    flush: () => enqueue(async () => {}),
  };
}
