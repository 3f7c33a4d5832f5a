/**
 * `POST /create-events`: the Create Events API as FastAPI answers it, plus the collector's
 * fault injection and bookkeeping.
 *
 * The order of the checks is FastAPI's: the body is read and parsed first (a too-large
 * body, bytes that are not UTF-8 and malformed JSON are answered before anything else), then
 * the key, then the query and the body are validated together, every issue listed, the
 * query's first. Injected faults act once a body within the size limit has been read (the
 * tenant they are set for is in it), before any of the API's own answers, like a failing
 * proxy or server in front of the API.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { FIELDS, validate, type DepictEvent, type Issue } from '../schema.js';
import { corsHeaders } from './cors.js';
import { decodeBody, type DecodedBody } from './decodeBody.js';
import type { Fault, Faults } from './faults.js';
import { header, sendJson } from './http.js';
import { readBody } from './readBody.js';
import type { Rejections } from './rejections.js';
import type { Stats } from './stats.js';
import type { Store } from './store.js';

/** What the handler works with. */
export interface CreateEventsDeps {
  store: Store;
  stats: Stats;
  faults: Faults;
  rejections: Rejections;
  /** When given, only these keys are accepted; others get a 401. */
  apiKeys?: ReadonlySet<string>;
  /** Where the one line per request goes. */
  log: (line: string) => void;
}

const missing = (loc: Issue['loc']): Issue => ({ type: 'missing', loc, msg: 'Field required', input: null });

const FIELD_ORDER = new Map<unknown, number>(FIELDS.map(([name], i) => [name, i]));

const tenantOf = (x: unknown) =>
  typeof x == 'object' && x !== null && typeof (x as DepictEvent).tenant == 'string'
    ? (x as DepictEvent).tenant
    : undefined;

/** The body's issues, FastAPI's way (see decodeBody.ts). */
function bodyIssues(decoded: DecodedBody): Issue[] {
  if (decoded.kind == 'raw') return [{ type: 'list_type', loc: ['body'], msg: 'Input should be a valid list', input: decoded.text }];
  if (decoded.kind != 'json' || decoded.value === null) return [missing(['body'])];
  return validate(decoded.value);
}

/** The `reject` fault: its events fail as if the API's validator refused their id. */
function rejectIssues(items: unknown[], ids: string[]): Issue[] {
  const refused = new Set(ids);
  return items.flatMap((item, i) => {
    const id = (item as DepictEvent | null)?.deduplication_id;
    return typeof id == 'string' && refused.has(id)
      ? [{ type: 'value_error', loc: ['body', i, 'deduplication_id'], msg: 'Value error, rejected by fault injection', input: id }]
      : [];
  });
}

/** Orders body issues as pydantic lists them: by event, then by field declaration order. */
const byLoc = (a: Issue, b: Issue) =>
  (Number(a.loc[1]) || 0) - (Number(b.loc[1]) || 0) ||
  (FIELD_ORDER.get(a.loc[2]) ?? -1) - (FIELD_ORDER.get(b.loc[2]) ?? -1);

const summary = (issue: Issue) => `${issue.loc.join('.')} ${issue.type}`;

/** Creates the handler of `POST /create-events`. */
export function createEventsHandler({ store, stats, faults, rejections, apiKeys, log }: CreateEventsDeps) {
  return async function createEvents(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
    const started = Date.now();
    const meta = {
      received_at: new Date(started).toISOString(),
      user_agent: header(req, 'user-agent') ?? null,
      referer: header(req, 'referer') ?? null,
      origin: header(req, 'origin') ?? null,
    };
    const read = await readBody(req);
    if (!read.ok && read.reason == 'aborted') {
      stats.add(undefined, { requests: 1 });
      return log('POST /create-events: the client went away mid-body');
    }
    const bytes = read.ok ? read.bytes : undefined;
    const decoded = bytes && decodeBody(header(req, 'content-type'), bytes);
    const parsed = decoded?.kind == 'json' ? decoded.value : undefined;
    const items: unknown[] = Array.isArray(parsed) ? parsed : [];
    // Per-tenant counters and faults go by the batch's first event: the snippet sends one
    // tenant per batch.
    const tenant = tenantOf(items[0]);
    stats.add(tenant, { requests: 1, events_received: items.length });

    const done = (status: number, payload: object, note: string, headers: OutgoingHttpHeaders = {}) => {
      sendJson(res, status, payload, { ...corsHeaders(req), ...headers });
      log(`POST /create-events ${status} tenant=${tenant ?? '-'} events=${items.length} ${note} (${Date.now() - started} ms)`);
    };
    const refuse = (status: number, detail: unknown, note: string, hint?: string) => {
      stats.add(tenant, { rejected_batches: 1 });
      rejections.add({
        status,
        tenant: tenant ?? null,
        detail,
        ...(hint ? { hint } : {}),
        parsed,
        bytes,
        origin: meta.origin,
        user_agent: meta.user_agent,
      });
      done(status, hint ? { detail, hint } : { detail }, note);
    };
    const failWith = (fault: Fault, status: number, note: string) =>
      done(
        status,
        { detail: STATUS_CODES[status] ?? 'Error' },
        note,
        fault.retryAfter !== undefined ? { 'Retry-After': String(Math.ceil(fault.retryAfter)) } : {},
      );

    if (!decoded) return refuse(413, 'Request body too large', 'body over 1 MiB');

    const fault = faults.take(tenant);
    if (fault) {
      stats.add(tenant, { faulted: 1 });
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.drop) {
        req.socket.destroy();
        return log(`POST /create-events dropped tenant=${tenant ?? '-'} events=${items.length} (fault)`);
      }
      if (fault.stallBody) {
        res.writeHead(fault.status!, { ...corsHeaders(req), 'Content-Type': 'application/json' });
        res.write('{"detail":');
        return log(`POST /create-events ${res.statusCode} tenant=${tenant ?? '-'} events=${items.length} (fault: body stalled)`);
      }
      if (fault.status && !fault.storeThenFail) return failWith(fault, fault.status, '(fault)');
    }

    if (decoded.kind == 'unreadable') return refuse(400, 'There was an error parsing the body', decoded.why);
    if (decoded.kind == 'invalid') return refuse(422, [decoded.issue], summary(decoded.issue));

    const keys = [query.get('api_key'), header(req, 'x-api-key')].filter((k): k is string => k != null);
    if (apiKeys && keys.length && !keys.some((k) => apiKeys.has(k)))
      return refuse(401, 'Invalid API key', 'invalid API key');

    const issues = bodyIssues(decoded);
    if (fault?.reject) {
      issues.push(...rejectIssues(items, fault.reject));
      issues.sort(byLoc);
    }
    if (!keys.length) issues.unshift(missing(['query', 'api_key']));
    if (issues.length) {
      const hint =
        decoded.kind == 'raw'
          ? (decoded.contentType ? `Content-Type "${decoded.contentType}" is` : 'A body without a Content-Type is') +
            ' not JSON to the API (FastAPI validates the raw text ' +
            'as the list of events, hence list_type): send Content-Type: application/json'
          : undefined;
      const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
      return refuse(422, issues, summary(issues[0]) + more, hint);
    }

    let result;
    try {
      result = await store.add(items as DepictEvent[], meta);
    } catch (e) {
      console.error('collector: could not store events:', e);
      return done(500, { detail: 'Internal Server Error' }, 'not stored');
    }
    stats.add(tenant, { stored: result.stored.length, duplicates: result.duplicates });
    const note = `stored=${result.stored.length} duplicates=${result.duplicates}`;
    if (fault?.storeThenFail) return failWith(fault, fault.status ?? 503, note + ' (fault: answer lost)');
    // The real API's 200 carries no count; these help tests and benchmarks.
    done(200, { accepted: result.stored.length, duplicates: result.duplicates }, note);
  };
}
