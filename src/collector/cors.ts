/**
 * CORS for `/create-events`, as the contract requires.
 *
 * The snippet sends `application/json` (FastAPI parses nothing else), so every send from a
 * shop's origin is preflighted, and `sendBeacon` sends with credentials mode `include`:
 * browsers then refuse `Access-Control-Allow-Origin: *` and need the exact origin echoed with
 * `Access-Control-Allow-Credentials: true` (see shared/notes/platform-facts.md).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { header } from './http.js';

/** Headers for every answer of `/create-events`, errors included, so a page can read a 422. */
export function corsHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const origin = header(req, 'origin');
  // Vary even without an Origin: a cache must not serve this answer to another origin
  if (origin === undefined) return { Vary: 'Origin' };
  return {
    Vary: 'Origin',
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    // a page can read Retry-After on a 429 or 503 only when it is exposed
    'Access-Control-Expose-Headers': 'Retry-After',
  };
}

/**
 * The answer to a preflight (`OPTIONS /create-events`). The request headers the page asks
 * for are allowed, as FastAPI's CORS middleware allows them with `allow_headers=["*"]`: a
 * monitoring tool adds its own to the page's fetch (Sentry 7 adds `sentry-trace` and
 * `baggage` to any URL with "localhost" in it), and a preflight that refused them would fail
 * every send to this collector, as a network error that never ends.
 */
export function preflightHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = {
    ...corsHeaders(req),
    Vary: 'Origin, Access-Control-Request-Headers',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': header(req, 'access-control-request-headers') || 'content-type, x-api-key',
    // Chromium caps it at 2 h, Firefox at 24 h
    'Access-Control-Max-Age': '7200',
  };
  // Chrome's Private Network Access: a public shop page may post to this collector on
  // localhost only when the preflight allows it (https://wicg.github.io/private-network-access/)
  if (header(req, 'access-control-request-private-network') === 'true')
    h['Access-Control-Allow-Private-Network'] = 'true';
  return h;
}
