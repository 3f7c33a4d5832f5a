/** Small HTTP helpers shared by the collector's routes. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Answers with `body` as JSON. Does nothing when the answer is already on its way or the
 * client is gone (a dropped connection, a fault that cut it), so callers need not check.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Splits a request target into its raw path and its query. Not `new URL(target, base)`:
 * that reads `//host/x` as another host and folds `%2e%2e` into `..` before we can refuse it.
 */
export function parseTarget(target = '/'): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  return q < 0
    ? { path: target, query: new URLSearchParams() }
    : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

/** The one value of a request header (the first, when a client repeated it). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
