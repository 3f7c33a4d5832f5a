// The bench's one server, on loopback: serves the shop page for each variant and the tracker
// files, and is every tracker's collector. The page is loaded from http://localhost:PORT and
// the trackers send to http://127.0.0.1:PORT/c/<variant>/..., another origin, as a real
// tracker's endpoint is: requests are cross-origin, with CORS preflights where the tracker's
// request needs one. Every request to /c/ is answered 200 (CORS echoing the Origin, with
// credentials) and counted per variant.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

/**
 * @param {{ pageFor: (variant: string, cards: number, collector: string) => string,
 *           scripts: Record<string, string> }} o
 *   pageFor: the page's HTML; scripts: file name (as in /t/NAME) → path on disk.
 */
export async function startServer({ pageFor, scripts }) {
  /** per variant: POSTs (and GETs) received, preflights, request body bytes, paths seen */
  let counts = {};
  const other = []; // requests to anything else than the page, the scripts and /c/
  const cache = new Map();
  let result = null; // the last POST /r: a page's own report, sent with sendBeacon
  const results = [];
  const count = (v) => (counts[v] ||= { posts: 0, gets: 0, preflights: 0, bytes: 0, paths: {} });

  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const parts = url.pathname.split('/');
    if (parts[1] == 'c' && parts[2]) {
      const c = count(parts[2]);
      const path = '/' + parts.slice(3).join('/');
      const cors = {
        'access-control-allow-origin': req.headers.origin || '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || 'content-type',
        'access-control-max-age': '600',
        vary: 'Origin',
      };
      if (req.method == 'OPTIONS') {
        c.preflights++;
        res.writeHead(204, cors).end();
        return;
      }
      let bytes = 0;
      req.on('data', (d) => (bytes += d.length));
      req.on('end', () => {
        if (req.method == 'POST') c.posts++;
        else c.gets++;
        c.bytes += bytes;
        c.paths[req.method + ' ' + path] = (c.paths[req.method + ' ' + path] || 0) + 1;
        res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{"status":1}');
      });
      req.on('error', () => {});
      return;
    }
    if (parts[1] == 'r' && req.method == 'POST') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        try {
          result = JSON.parse(body);
        } catch {}
        results.splice(0).forEach((f) => f(result));
        res.writeHead(204).end();
      });
      return;
    }
    if (parts[1] == 'v' && parts[2]) {
      const cards = Math.max(1, Math.min(20000, +url.searchParams.get('cards') || 200));
      const host = req.headers.host || '';
      const collector = `http://127.0.0.1:${host.split(':')[1]}/c/${parts[2]}`;
      const key = parts[2] + ' ' + cards + ' ' + collector;
      if (!cache.has(key)) cache.set(key, pageFor(parts[2], cards, collector));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(cache.get(key));
      return;
    }
    if (parts[1] == 't' && scripts[parts[2]]) {
      res
        .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' })
        .end(readFileSync(scripts[parts[2]]));
      return;
    }
    other.push(req.method + ' ' + req.url);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  server.keepAliveTimeout = 5000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const port = server.address().port;
  return {
    port,
    /** The page of a variant, on the page's own origin. */
    pageUrl: (variant, cards = 200) => `http://localhost:${port}/v/${variant}?cards=${cards}`,
    /** The next report a page sends to POST /r (or null after `ms`). */
    nextResult: (ms) =>
      new Promise((ok) => {
        results.push(ok);
        setTimeout(() => ok(null), ms);
      }),
    /** What was received since the last reset, per variant; and stray requests. */
    snapshot: () => ({ counts: structuredClone(counts), other: [...other] }),
    reset() {
      counts = {};
      other.length = 0;
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
