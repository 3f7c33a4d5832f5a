import { json } from './fields';
import { warn } from './log';
import type { DepictEvent } from './schema';

/** What is left of the 64 KiB that all of a page's in-flight keepalive requests may hold
 * together (fetch spec; over it, fetch rejects). Sentry keeps to 60,000 bytes as well. */
export const QUOTA = 6e4;

let inflight = 0;

/** A string's size in UTF-8 bytes, which the keepalive quota counts (not characters). A Blob
 * would do, but costs the browser far more: a burst of 1,000 events took twice the CPU. */
const bytes = (s: string) => new TextEncoder().encode(s).length;

/**
 * What became of a batch: `true` delivered (2xx); a number: retry, after that many ms as
 * the server asked (or a minute, for a wrong key or endpoint), or -1 for "back off"
 * (network error, 408, 429, 5xx); an array: the indices a 422 named (the rest may be sent
 * again); '': any other answer, which drops the batch (post has said why).
 */
export type Outcome = true | number | number[] | '';

/** Splits events into batches of at most 50 events and a quarter of the keepalive quota,
 * so that several batches can be in flight at once. */
export function batches<T extends { e: DepictEvent }>(recs: T[]): T[][] {
  const out: T[][] = [];
  let b: T[] = [];
  let size = QUOTA;
  for (const r of recs) {
    // its UTF-8 bytes, and the comma between events
    const n = bytes(json(r.e)) + 1;
    if ((size += n) > QUOTA / 4 || b.length > 49) out.push((b = [])), (size = n);
    b.push(r);
  }
  return out;
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), -1 without one. */
export function retryAfter(h: string | null, now = Date.now()): number {
  const ms = h ? (isNaN(+h) ? Math.max(0, Date.parse(h) - now) : +h * 1e3) : -1;
  return ms >= 0 ? Math.min(ms, 6e5) : -1;
}

/**
 * POSTs one batch as `application/json` (the API is FastAPI, which parses nothing else).
 * A keepalive fetch while the batch fits the page's keepalive quota, so that it outlives
 * the page; a plain fetch otherwise; `sendBeacon` only where fetch itself is broken.
 * Credentials are omitted: the snippet sets no cookies and needs none.
 */
export async function post(url: string, events: DepictEvent[]): Promise<Outcome> {
  const body = json(events);
  const size = bytes(body);
  const keepalive = inflight + size <= QUOTA;
  let res: Response;
  let called: unknown;
  // no answer in 15 s (a connection that hangs, a page's fetch wrapper that never settles):
  // a network error, so that flush() resolves and sending goes on (rejected with undefined:
  // an Error made for every send would capture a stack each time)
  const late = new Promise<never>((_, ko) => setTimeout(ko, 15e3));
  if (keepalive) inflight += size;
  try {
    res = await Promise.race([
      (called = fetch(url, {
        method: 'POST',
        body,
        keepalive,
        credentials: 'omit',
        // the API learns the site, not the page (whose URL may carry what stripParams removes)
        referrerPolicy: 'strict-origin',
        headers: { 'content-type': 'application/json' },
      })),
      late,
    ]);
  } catch (e: any) {
    // a TypeError is the network's answer (offline, refused, CORS, over the quota), and so is
    // no answer; anything else, or a throw before fetch returned (which fetch never does), is
    // a page's broken fetch wrapper
    return ((!called || (e && !(e instanceof TypeError))) && navigator.sendBeacon(url, new Blob([body], { type: 'application/json' }))) || -1;
  } finally {
    // a keepalive body counts against the quota until its request settles (when the 15 s are
    // up first, later)
    const free = () => (inflight -= size);
    if (keepalive) Promise.resolve(called).then(free, free);
  }
  const s = res.status;
  if (s < 300) return true;
  if (s == 408 || s == 429 || s > 499) return retryAfter(res.headers.get('retry-after'));
  // a body that does not come within the 15 s either (a proxy that sent a 4xx's headers and
  // hangs) is one that cannot be read: without it, every later send of the tab would wait
  const detail = await Promise.race([res.json(), late]).catch(() => 0);
  const rejected = [...events.keys()].filter((i) => detail?.detail?.some?.((d: { loc?: unknown[] } | null) => d?.loc?.[1] === i));
  if (s == 422 && rejected.length) return rejected;
  // 401, 404: the tag is wrong (its key, its endpoint), not the events, and every batch fails
  // alike. They are kept (the contract deletes an event only after a 2xx or a 422 naming it)
  // and tried again in a minute and by later pages, so that they arrive once the tag is
  // fixed. Any other answer (400, a firewall's 403, 413, a 422 naming no event) may be the
  // batch's own doing: dropped (''), so that it cannot hold up the rest.
  const keep = s == 401 || s == 404;
  warn(`the API answered ${s} ${JSON.stringify(detail)}; the events are ` + (keep ? 'kept' : 'dropped'), events);
  return keep ? 6e4 : '';
}
