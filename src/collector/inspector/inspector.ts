/**
 * The live inspector (`/inspector`): the collector's accepted events and rejected batches as
 * they arrive, from `GET /events/stream` (server-sent events), with filters and hints.
 *
 * Everything shown comes from untrusted pages: the DOM is built with `textContent` and
 * `setAttribute` only, never from HTML strings, and the page runs under a CSP that allows
 * its own files and nothing inline. Built by build.mjs into dist/inspector/inspector.js.
 */
import { EVENT_TYPES, RESULT_IDS, eventHints, type Hint } from './hints';

type Json = Record<string, unknown>;

/** One thing in the feed: a stored event or a rejected batch, and its element. */
interface Item {
  kind: 'event' | 'rejection';
  data: Json;
  tenant: string;
  type: string;
  hints: Hint[];
  at: number;
  node: HTMLElement;
}

/** Items kept (and in the DOM) at most; the oldest go first. */
const MAX_ITEMS = 1000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** An element with attributes and children; strings become text nodes, never markup. */
function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (Node | string | false | undefined)[]) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== false && c !== undefined) el.append(typeof c == 'string' ? document.createTextNode(c) : c);
  return el;
}

const str = (v: unknown) => (typeof v == 'string' ? v : v === undefined ? '' : JSON.stringify(v));

/** A URL shown short: path, query and hash on this page's terms, the whole string otherwise. */
function shortUrl(v: unknown): string {
  const s = str(v);
  try {
    const u = new URL(s);
    return u.pathname + u.search + u.hash;
  } catch {
    return s;
  }
}

/** "just now", "12 s ago", "3 min ago", "2 h ago", then the date. */
function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
}

function time(at: number) {
  const iso = new Date(at).toISOString();
  return h('time', { class: 'when', datetime: iso, title: new Date(at).toLocaleString(), 'data-at': String(at) }, ago(at));
}

/** A type's badge; only the known types get a colour class of their own. */
function badge(type: string) {
  const known = (EVENT_TYPES as readonly string[]).includes(type);
  return h('span', { class: `badge ${known ? 't-' + type : 't-other'}`, 'data-testid': 'type' }, type || '(no type)');
}

const RESULT_LABEL: Record<string, string> = {
  recommendation_id: 'recommendation',
  search_result_id: 'search',
  product_listing_result_id: 'listing',
};

/** The chips of an event's summary: its result ids, price, attribution and the like. */
function chips(e: Json) {
  const out: HTMLElement[] = [];
  const chip = (label: string, value: unknown, cls = '') =>
    value !== undefined && value !== null && value !== '' &&
    out.push(h('span', { class: 'chip ' + cls }, h('span', { class: 'k' }, label), str(value)));
  for (const k of RESULT_IDS) chip(RESULT_LABEL[k], e[k], 'rid');
  if (e.entity_price != null) chip('price', `${str(e.entity_price)}${e.currency ? ' ' + str(e.currency) : ''}`);
  else chip('currency', e.currency);
  chip('variants', Array.isArray(e.variant_ids) ? e.variant_ids.join(', ') : e.variant_ids);
  chip('attribution', e.attribution_id);
  chip('location', e.click_location);
  chip('user', e.user_id);
  return out;
}

/** What an event is about, in a few words. */
function headline(e: Json): [string, string] {
  if (e.type == 'page_view') return ['page', shortUrl(e.url) || '(no url)'];
  if (e.type == 'recommendations_inserted') return ['widget', str(e.recommendation_type) || '(no recommendation_type)'];
  if (e.product_id) return ['product', str(e.product_id)];
  return ['', '(no product_id)'];
}

/** A table of every field; the collector's own (`_`-prefixed) come last, dimmed. */
function fieldTable(e: Json) {
  const keys = Object.keys(e).sort((a, b) => +a.startsWith('_') - +b.startsWith('_'));
  return h(
    'table',
    { class: 'fields' },
    h('tbody', {}, ...keys.map((k) =>
      h('tr', { class: k.startsWith('_') ? 'meta' : undefined }, h('th', { scope: 'row' }, k), h('td', {}, str(e[k]))),
    )),
  );
}

function hintList(hints: Hint[]) {
  return hints.length
    ? h('ul', { class: 'hints', 'data-testid': 'hints' }, ...hints.map((x) => h('li', { 'data-code': x.code }, x.message)))
    : undefined;
}

function eventNode(e: Json, hints: Hint[], at: number) {
  const [label, title] = headline(e);
  const li = h('li', { class: 'item event', 'data-testid': 'event' });
  li.append(
    h(
      'details',
      {},
      h(
        'summary',
        { class: 'row' },
        badge(str(e.type)),
        h(
          'span',
          { class: 'main' },
          h('span', { class: 'title' }, label ? h('span', { class: 'label' }, label) : undefined, h('span', { class: 'value', 'data-testid': 'title' }, title)),
          h('span', { class: 'chips' }, ...chips(e)),
        ),
        h(
          'span',
          { class: 'where' },
          h('span', { class: 'tenant', 'data-testid': 'tenant' }, str(e.tenant), h('span', { class: 'market' }, str(e.market))),
          e.type != 'page_view' && e.url ? h('span', { class: 'path', title: str(e.url) }, shortUrl(e.url)) : undefined,
        ),
        time(at),
      ),
      h('div', { class: 'detail' }, h('p', { class: 'url' }, str(e.url)), fieldTable(e)),
    ),
    hintList(hints) || '',
  );
  if (hints.length) li.classList.add('has-hints');
  return li;
}

/** pydantic's `loc` as a path: `body › 0 › tenant`. */
const loc = (l: unknown) => (Array.isArray(l) ? l.map(str).join(' › ') : str(l));

function rejectionNode(r: Json, at: number) {
  const issues = Array.isArray(r.detail) ? (r.detail as Json[]) : [];
  // the answer's count: the collector keeps the first 100 issues of a batch
  const all = typeof r.detail_truncated == 'number' ? r.detail_truncated : issues.length;
  const body = r.body;
  const count = Array.isArray(body) ? `${body.length} event${body.length == 1 ? '' : 's'}` : 'not a list';
  const summary = issues.length
    ? `${all} issue${all == 1 ? '' : 's'} · ${count}`
    : str(r.detail);
  const li = h('li', { class: 'item rejection', 'data-testid': 'rejection' });
  li.append(
    h(
      'details',
      {},
      h(
        'summary',
        { class: 'row' },
        h('span', { class: 'badge t-rejected' }, `rejected ${str(r.status)}`),
        h('span', { class: 'main' }, h('span', { class: 'title' }, h('span', { class: 'value' }, summary))),
        h(
          'span',
          { class: 'where' },
          h('span', { class: 'tenant', 'data-testid': 'tenant' }, r.tenant == null ? '(no tenant)' : str(r.tenant)),
          r.origin ? h('span', { class: 'path' }, str(r.origin)) : undefined,
        ),
        time(at),
      ),
      h(
        'div',
        { class: 'detail' },
        h('p', { class: 'label' }, r.body_truncated ? 'The body (cut at 64 KiB):' : 'The body:'),
        h('pre', { class: 'body', 'data-testid': 'body' }, typeof body == 'string' ? body : JSON.stringify(body, null, 2)),
        h('p', { class: 'meta' }, `origin ${str(r.origin) || '–'} · ${str(r.user_agent) || ''}`),
      ),
    ),
    h(
      'ul',
      { class: 'issues', 'data-testid': 'issues' },
      ...issues.slice(0, 8).map((i) =>
        h('li', {}, h('code', {}, loc(i.loc)), ' ', str(i.msg), ' ', h('span', { class: 'muted' }, str(i.type))),
      ),
      all > 8 && h('li', { class: 'muted' }, `and ${all - 8} more (expand for the body)`),
    ),
    typeof r.hint == 'string' ? h('p', { class: 'hint' }, r.hint) : '',
  );
  return li;
}

// ---- State ----

const items: Item[] = [];
const seen = new Set<string>();
const tenants = new Set<string>();
let paused: [string, Json][] | undefined;
/** The pause button; paused, it says how many events it holds back. */
const pause = $<HTMLButtonElement>('pause');

const feed = $<HTMLOListElement>('feed');
const typeSelect = $<HTMLSelectElement>('filter-type');
const tenantSelect = $<HTMLSelectElement>('filter-tenant');
const hintsOnly = $<HTMLInputElement>('filter-hints');

for (const t of EVENT_TYPES) typeSelect.insertBefore(h('option', { value: t }, t), typeSelect.lastElementChild);
$('endpoint').textContent = location.origin + '/create-events';

const matches = (it: Item) => {
  const type = typeSelect.value;
  const tenant = tenantSelect.value;
  return (
    (!tenant || it.tenant === tenant) &&
    (!type || (type == 'rejected' ? it.kind == 'rejection' : it.type === type)) &&
    (!hintsOnly.checked || it.hints.length > 0 || it.kind == 'rejection')
  );
};

function refresh() {
  let shown = 0;
  for (const it of items) shown += +!(it.node.hidden = !matches(it));
  const events = items.filter((i) => i.kind == 'event');
  $('count-events').textContent = String(events.length);
  $('count-hints').textContent = String(events.filter((i) => i.hints.length).length);
  $('count-rejected').textContent = String(items.length - events.length);
  $('shown').textContent = items.length && shown < items.length ? `showing ${shown} of ${items.length}` : '';
  $('empty').hidden = items.length > 0;
}

function add(kind: string, data: Json) {
  if (typeof data != 'object' || data === null) return;
  // the cursor of a reconnect makes repeats unlikely; a collector restart could still
  // replay what is already shown
  const key = kind == 'stored' ? `e${str(data._seq)}@${str(data._received_at)}` : `r${str(data.id)}@${str(data.received_at)}`;
  if (seen.has(key)) return;
  seen.add(key);
  const at = Date.parse(str(kind == 'stored' ? data._received_at : data.received_at)) || Date.now();
  const tenant = data.tenant == null ? '' : str(data.tenant);
  const item: Item =
    kind == 'stored'
      ? { kind: 'event', data, tenant, type: str(data.type), hints: eventHints(data), at, node: undefined! }
      : { kind: 'rejection', data, tenant, type: '', hints: [], at, node: undefined! };
  item.node = item.kind == 'event' ? eventNode(data, item.hints, at) : rejectionNode(data, at);
  if (tenant && !tenants.has(tenant)) {
    tenants.add(tenant);
    const after = [...tenantSelect.options].slice(1).find((o) => o.value > tenant);
    tenantSelect.insertBefore(h('option', { value: tenant }, tenant), after ?? null);
  }
  // newest first, in arrival order
  items.push(item);
  item.node.hidden = !matches(item);
  feed.prepend(item.node);
  while (items.length > MAX_ITEMS) items.shift()!.node.remove();
}

function receive(kind: string, data: Json) {
  if (paused) {
    paused.push([kind, data]);
    pause.textContent = `Resume (${paused.length} new)`;
  } else {
    add(kind, data);
    refresh();
  }
}

// ---- Controls ----

for (const el of [typeSelect, tenantSelect, hintsOnly]) el.addEventListener('change', refresh);
$('filters').addEventListener('submit', (e) => e.preventDefault());

pause.addEventListener('click', () => {
  if (paused) {
    const held = paused;
    paused = undefined;
    held.forEach(([k, d]) => add(k, d));
    refresh();
  } else paused = [];
  pause.setAttribute('aria-pressed', String(!!paused));
  pause.textContent = paused ? 'Resume' : 'Pause';
});

$('clear').addEventListener('click', () => {
  for (const it of items) it.node.remove();
  items.length = 0;
  refresh();
});

// relative times move on
setInterval(() => {
  const now = Date.now();
  feed.querySelectorAll<HTMLTimeElement>('time[data-at]').forEach((t) => (t.textContent = ago(Number(t.dataset.at), now)));
}, 5000);

// ---- The stream ----

function status(state: string, text: string) {
  $('status').dataset.state = state;
  $('status-text').textContent = text;
}

const params = new URLSearchParams(location.search);
const source = new EventSource('/events/stream' + (params.get('tail') ? '?tail=' + encodeURIComponent(params.get('tail')!) : ''));
const parse = (m: MessageEvent) => {
  try {
    return JSON.parse(m.data) as Json;
  } catch {
    return null;
  }
};
source.addEventListener('open', () => status('live', 'Live'));
source.addEventListener('error', () =>
  source.readyState == EventSource.CLOSED ? status('closed', 'Disconnected — reload to retry') : status('connecting', 'Reconnecting…'),
);
source.addEventListener('stored', (m) => receive('stored', parse(m as MessageEvent)!));
source.addEventListener('rejection', (m) => receive('rejection', parse(m as MessageEvent)!));
refresh();
