/**
 * The local collector: a stand-in for Depict's Create Events API (same validation, same
 * 422s, same CORS, dedup on (tenant, deduplication_id)), which also keeps what it accepted
 * for tests and demos to look at, counts, injects faults, and serves the demo shop and the
 * built snippet. node:http only.
 *
 * Routes:
 * - `POST /create-events`, `OPTIONS /create-events`: the API (createEvents.ts, cors.ts)
 * - `GET /events?tenant=&type=&session_id=&since=`: accepted events, oldest first;
 *   `DELETE /events[?tenant=]` forgets them (all, or one tenant's)
 * - `GET /stats[?tenant=]`, `DELETE /stats[?tenant=]`: counters (stats.ts)
 * - `GET /rejections?tenant=&since=`, `DELETE /rejections`: the last rejected batches
 * - `GET /events/stream?tenant=&type=&tail=`: stored events and rejected batches as they
 *   arrive, as server-sent events (inspectorStream.ts)
 * - `GET /inspector`: the live inspector, a page of `dist/inspector/` (built from
 *   src/collector/inspector/), served with a strict Content-Security-Policy
 * - `GET /__faults`, `POST /__faults[?tenant=]` (FaultOptions as JSON; `{}` clears),
 *   `DELETE /__faults[?tenant=]`: fault injection (faults.ts)
 * - anything else, GET or HEAD: a file of `public/`, then of `dist/` (serveStatic.ts)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { corsHeaders, preflightHeaders } from './cors.js';
import { createEventsHandler } from './createEvents.js';
import { createFaults, parseFaultOptions, type FaultOptions } from './faults.js';
import { header, parseTarget, sendJson } from './http.js';
import { createEventStream } from './inspectorStream.js';
import { readBody } from './readBody.js';
import { createRejections } from './rejections.js';
import { serveStatic, type StaticRoot } from './serveStatic.js';
import { createStats } from './stats.js';
import { openStore, type EventFilter } from './store.js';

/** Options of `createCollector`. */
export interface CollectorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** Folder of `events.ndjson`, created if missing. */
  dataDir: string;
  /** When given, only these API keys are accepted; others get a 401. */
  apiKeys?: string[];
  /** The demo shop's folder (served with `Cache-Control: no-cache`). */
  publicDir?: string;
  /** The build's folder, for `/depict.js` (served with `Cache-Control: no-store`). */
  distDir?: string;
  /** Faults injected into every request from the start (see faults.ts). */
  faults?: FaultOptions;
  /** No line per request on the console. */
  quiet?: boolean;
  /**
   * Milliseconds a client has to send a whole request, headers and body (default 30 s;
   * Node's own default is 5 minutes): a body that never ends, or comes one byte at a time,
   * is answered 408 and its connection closed. Answering late (a `delayMs` fault) is not
   * counted.
   */
  requestTimeoutMs?: number;
}

/** A running collector. */
export interface Collector {
  /** Its base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  port: number;
  /** Stops listening, cuts open connections, and waits for pending writes. */
  close(): Promise<void>;
  server: Server;
}

type Handler = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => unknown;

/** The `?since=` of a query: a whole number, or undefined when absent; NaN when malformed. */
const sinceOf = (query: URLSearchParams) => {
  const s = query.get('since');
  return s === null ? undefined : /^\d+$/.test(s) ? Number(s) : NaN;
};

const opt = (query: URLSearchParams, name: string) => query.get(name) ?? undefined;

/** The inspector shows what untrusted pages sent: it runs its own files only, and nothing inline. */
const INSPECTOR_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Starts a collector; resolves once it listens. */
export async function createCollector(options: CollectorOptions): Promise<Collector> {
  const log = options.quiet ? () => {} : (line: string) => console.log(line);
  const store = await openStore(options.dataDir, (msg) => console.warn('collector:', msg));
  const stats = createStats();
  const faults = createFaults(options.faults);
  const rejections = createRejections();
  const stream = createEventStream(store, rejections);
  const createEvents = createEventsHandler({
    store: stream.tapStore(store),
    stats,
    faults,
    rejections: stream.tapRejections(rejections),
    apiKeys: options.apiKeys && new Set(options.apiKeys),
    log,
  });
  // The snippet must never be cached in development; the shop's pages may be (and must
  // not be no-store: Chrome keeps no-store pages out of the back/forward cache).
  const roots: StaticRoot[] = [
    ...(options.publicDir ? [{ dir: options.publicDir, cacheControl: 'no-cache' }] : []),
    ...(options.distDir ? [{ dir: options.distDir, cacheControl: 'no-store' }] : []),
  ];

  /** The answer to a CORS preflight: to `/create-events`, and to any other path, as FastAPI's
   * CORS middleware answers them. */
  const preflight = (req: IncomingMessage, res: ServerResponse) => void res.writeHead(204, preflightHeaders(req)).end();

  const routes: Record<string, Record<string, Handler>> = {
    '/create-events': {
      POST: createEvents,
      OPTIONS: preflight,
    },
    '/events': {
      GET: (_req, res, query) => {
        const filter: EventFilter = {
          tenant: opt(query, 'tenant'),
          type: opt(query, 'type'),
          session_id: opt(query, 'session_id'),
          since: sinceOf(query),
        };
        if (Number.isNaN(filter.since)) return sendJson(res, 400, { detail: 'since must be a whole number (an _seq)' });
        sendJson(res, 200, store.list(filter));
      },
      DELETE: async (_req, res, query) => sendJson(res, 200, { deleted: await store.clear(opt(query, 'tenant')) }),
    },
    '/events/stream': { GET: stream.handle },
    '/inspector': {
      GET: inspector,
      HEAD: inspector,
    },
    '/stats': {
      GET: (_req, res, query) => sendJson(res, 200, stats.get(opt(query, 'tenant'))),
      DELETE: (_req, res, query) => {
        stats.reset(opt(query, 'tenant'));
        sendJson(res, 200, stats.get(opt(query, 'tenant')));
      },
    },
    '/rejections': {
      GET: (_req, res, query) => {
        const since = sinceOf(query);
        if (Number.isNaN(since)) return sendJson(res, 400, { detail: 'since must be a whole number (an id)' });
        sendJson(res, 200, rejections.list({ tenant: opt(query, 'tenant'), since }));
      },
      DELETE: (_req, res) => {
        rejections.clear();
        sendJson(res, 200, []);
      },
    },
    '/__faults': {
      GET: (_req, res) => sendJson(res, 200, faults.list()),
      POST: async (req, res, query) => {
        const read = await readBody(req);
        if (!read.ok) return sendJson(res, 413, { detail: 'Request body too large' });
        let options: unknown = {};
        try {
          if (read.bytes.length) options = JSON.parse(read.bytes.toString('utf8'));
        } catch {
          return sendJson(res, 400, { detail: 'fault options must be JSON' });
        }
        const checked = parseFaultOptions(options);
        if (!checked.ok) return sendJson(res, 400, { detail: checked.error });
        faults.set(opt(query, 'tenant'), checked.value);
        sendJson(res, 200, faults.list());
      },
      DELETE: (_req, res, query) => {
        faults.clear(opt(query, 'tenant'));
        sendJson(res, 200, faults.list());
      },
    },
  };

  /** The inspector's page; its script and style are plain files under `/inspector/`. */
  function inspector(req: IncomingMessage, res: ServerResponse) {
    res.setHeader('Content-Security-Policy', INSPECTOR_CSP);
    return serveStatic(req, res, '/inspector/index.html', roots);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // A client that goes away must never take the process down with an 'error' event.
    req.on('error', () => {});
    res.on('error', () => {});
    const method = req.method ?? 'GET';
    const { path, query } = parseTarget(req.url);
    const route = routes[path];
    if (route) {
      const handler = route[method];
      if (handler) return handler(req, res, query);
      // FastAPI's answer; with CORS, so that a page can read it
      return sendJson(res, 405, { detail: 'Method Not Allowed' }, { ...corsHeaders(req), Allow: Object.keys(route).join(', ') });
    }
    if (method == 'GET' || method == 'HEAD') return serveStatic(req, res, path, roots);
    // FastAPI's CORS middleware answers a preflight to any path, and puts CORS on every
    // answer: an endpoint with a typo (`/create-event`) is then a 404 the page can read (the
    // snippet warns that the tag is wrong), not a CORS error that looks like a network down
    if (method == 'OPTIONS' && header(req, 'access-control-request-method')) return preflight(req, res);
    sendJson(res, 404, { detail: 'Not Found' }, corsHeaders(req));
  }

  const timeout = options.requestTimeoutMs ?? 30_000;
  const limits = { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.min(1000, timeout || 1000) };
  const server = createServer(limits, (req, res) => {
    handle(req, res).catch((e) => {
      console.error('collector: error handling', req.method, req.url, e);
      sendJson(res, 500, { detail: 'Internal Server Error' });
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host == '0.0.0.0' || host == '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shown}:${port}`,
    port,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.flush();
    },
  };
}
