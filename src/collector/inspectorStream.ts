/**
 * `GET /events/stream`: the collector's accepted events and rejected batches as they arrive,
 * as server-sent events, for the live inspector (`/inspector`) and anyone with `curl -N`.
 *
 * - `event: stored`, data: one stored event (as `GET /events` lists it);
 *   `event: rejection`, data: one rejected batch (as `GET /rejections` lists it).
 * - On connect the stream first replays the last `?tail=` (default 200, at most 1000) stored
 *   events and the rejections still kept, oldest first, then goes live.
 * - Every message's `id:` is the cursor `<last _seq>.<last rejection id>`; a client that
 *   reconnects with `Last-Event-ID` (EventSource does so on its own) gets exactly what it
 *   missed, no more. `?tenant=` narrows both kinds, `?type=` the events.
 * - A comment every 15 s keeps idle connections open through proxies.
 *
 * The store and the ring of rejections know nothing of this: `tap` wraps them so that what
 * they accept is also published here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { header } from './http.js';
import type { Rejection, Rejections } from './rejections.js';
import type { StoredEvent, Store } from './store.js';

/** Stored events replayed on connect by default, and at most. */
const TAIL = 200;
const MAX_TAIL = 1000;
const PING_MS = 15_000;

type Message = { kind: 'stored'; data: StoredEvent } | { kind: 'rejection'; data: Rejection };

/** One open stream: its filters and where it is. */
interface Client {
  res: ServerResponse;
  tenant?: string;
  type?: string;
  seq: number;
  rid: number;
}

/** The stream's subscribers, and wrappers that feed it. */
export interface EventStream {
  /** The store, with `add` also publishing what it stored. */
  tapStore(store: Store): Store;
  /** The rejections, with `add` also publishing the kept batch. */
  tapRejections(rejections: Rejections): Rejections;
  /** Answers `GET /events/stream`. */
  handle(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void;
}

const wanted = (c: Client, m: Message) =>
  (c.tenant === undefined || m.data.tenant === c.tenant) &&
  (m.kind == 'rejection' || c.type === undefined || (m.data as StoredEvent).type === c.type);

/** Creates the stream; `store` and `rejections` are read for the replay on connect. */
export function createEventStream(store: Store, rejections: Rejections): EventStream {
  const clients = new Set<Client>();

  /** Writes one message to one client, once: the cursor moves past it (also when the
   * client's filters leave it out), and what is behind the cursor is not written again. */
  function write(c: Client, m: Message) {
    if (m.kind == 'stored') {
      if (m.data._seq <= c.seq) return;
      c.seq = m.data._seq;
    } else {
      if (m.data.id <= c.rid) return;
      c.rid = m.data.id;
    }
    if (!wanted(c, m)) return;
    // JSON has no raw newlines, so one `data:` line carries it whole
    c.res.write(`id: ${c.seq}.${c.rid}\nevent: ${m.kind}\ndata: ${JSON.stringify(m.data)}\n\n`);
  }

  const publish = (m: Message) => clients.forEach((c) => write(c, m));

  return {
    tapStore: (s) => ({
      ...s,
      async add(events, meta) {
        const result = await s.add(events, meta);
        for (const e of result.stored) publish({ kind: 'stored', data: e });
        return result;
      },
    }),

    tapRejections: (r) => ({
      ...r,
      add(input) {
        const last = r.list().at(-1)?.id ?? 0;
        r.add(input);
        for (const data of r.list({ since: last })) publish({ kind: 'rejection', data });
      },
    }),

    handle(req, res, query) {
      const opt = (name: string) => query.get(name) ?? undefined;
      const c: Client = { res, tenant: opt('tenant'), type: opt('type'), seq: 0, rid: 0 };
      const resume = /^(\d+)\.(\d+)$/.exec(header(req, 'last-event-id') ?? '');
      const tail = Math.min(MAX_TAIL, /^\d+$/.test(query.get('tail') ?? '') ? Number(query.get('tail')) : TAIL);

      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
        Connection: 'keep-alive',
      });
      // the retry delay EventSource waits before reconnecting
      res.write('retry: 2000\n\n');

      const latest = store.list().at(-1)?._seq ?? 0;
      const latestRejection = rejections.list().at(-1)?.id ?? 0;
      // a cursor from before a restart (or a cleared store) may point past everything
      const from = resume && +resume[1] <= latest && +resume[2] <= latestRejection ? [+resume[1], +resume[2]] : undefined;
      const filter = { tenant: c.tenant, type: c.type };
      const events = from ? store.list({ ...filter, since: from[0] }) : tail ? store.list(filter).slice(-tail) : [];
      const kept = rejections.list({ tenant: c.tenant, since: from?.[1] });
      [c.seq, c.rid] = from ?? [0, 0];
      const replay: Message[] = [
        ...events.map((data): Message => ({ kind: 'stored', data })),
        ...kept.map((data): Message => ({ kind: 'rejection', data })),
      ].sort((a, b) => time(a) - time(b));
      for (const m of replay) write(c, m);
      // then the cursor is at the end of everything there is, even what the filters left out
      if (latest > c.seq || latestRejection > c.rid) {
        c.seq = Math.max(c.seq, latest);
        c.rid = Math.max(c.rid, latestRejection);
        res.write(`id: ${c.seq}.${c.rid}\n\n`);
      }

      clients.add(c);
      const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
      const bye = () => {
        clearInterval(ping);
        clients.delete(c);
      };
      req.on('close', bye);
      res.on('close', bye);
    },
  };
}

const time = (m: Message) => Date.parse(m.kind == 'stored' ? m.data._received_at : m.data.received_at) || 0;
