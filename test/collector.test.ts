// The local collector over real HTTP on loopback: the API's answers (200, 401, 413, 422,
// 400), dedup, storage across restarts, CORS, fault injection, static files, and robustness
// against clients that misbehave.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCollector, type Collector, type CollectorOptions } from '../src/collector/server';

// ---- Helpers ----

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

interface SendOptions {
  body?: string | Buffer;
  headers?: Record<string, string | number>;
  /** Send the body chunked, without a Content-Length. */
  chunked?: boolean;
}

/** One HTTP request on a fresh connection; the path is sent exactly as given. */
function send(c: Collector, method: string, path: string, { body, headers = {}, chunked }: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: c.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    // a write before end() makes Node send the body chunked; end(body) alone sets Content-Length
    if (chunked && body !== undefined) req.write(body);
    req.end(chunked ? undefined : body);
  });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** POSTs a body to /create-events with an API key in the query (unless `key` is null). */
function post(c: Collector, body: unknown, { key = 'k' as string | null, headers = JSON_TYPE as Record<string, string> } = {}) {
  const path = key === null ? '/create-events' : `/create-events?api_key=${encodeURIComponent(key)}`;
  return send(c, 'POST', path, { body: typeof body == 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers });
}

const getJson = async (c: Collector, path: string) => (await send(c, 'GET', path)).json;

let tenants = 0;
/** A tenant of the test's own, so tests never see each other's events, faults or counters. */
const newTenant = () => `t${++tenants}-${process.pid}`;

/** A valid event of `tenant`. */
const ev = (tenant: string, fields: Record<string, unknown> = {}) => ({ tenant, market: 'se', type: 'page_view', ...fields });

const eventsOf = (c: Collector, tenant: string): Promise<any[]> => getJson(c, `/events?tenant=${tenant}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ENUM_MSG =
  "Input should be 'page_view', 'click', 'add_to_cart', 'purchase', 'element_visible', 'ws_click' or 'recommendations_inserted'";

// ---- Fixtures: a temp folder with a data dir, a public/ and a dist/, and a secret beside them ----

const root = mkdtempSync(join(tmpdir(), 'depict-collector-'));
const started: Collector[] = [];
const quiet = { quiet: true } as const;

function fixtures() {
  writeFileSync(join(root, 'secret.txt'), 'TOP SECRET');
  const pub = join(root, 'public');
  mkdirSync(join(pub, 'shop'), { recursive: true });
  writeFileSync(join(pub, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(pub, 'product.html'), '<h1>product</h1>');
  writeFileSync(join(pub, 'shop', 'index.html'), '<h1>shop</h1>');
  writeFileSync(join(pub, 'shop.css'), 'h1{}');
  writeFileSync(join(pub, '.hidden'), 'hidden');
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'depict.js'), 'console.log(1)');
  writeFileSync(join(dist, 'depict.js.map'), '{"version":3}');
  return { publicDir: pub, distDir: dist };
}

/** Starts a collector that afterAll stops. */
async function start(options: Partial<CollectorOptions> = {}): Promise<Collector> {
  const c = await createCollector({ dataDir: join(root, 'data-' + started.length), ...quiet, ...options });
  started.push(c);
  return c;
}

let c: Collector;
beforeAll(async () => {
  c = await start(fixtures());
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

// ---- The API ----

describe('POST /create-events: accepted batches', () => {
  it('stores a valid batch and lists it in GET /events with the collector metadata', async () => {
    const t = newTenant();
    const before = Date.now();
    const r = await post(c, [ev(t, { deduplication_id: 'a' }), ev(t, { type: 'click', product_id: 'p1', price: 12 })], {
      headers: { ...JSON_TYPE, Origin: 'https://shop.example', Referer: 'https://shop.example/p/1', 'User-Agent': 'test-agent' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ accepted: 2, duplicates: 0 });

    const events = await eventsOf(c, t);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ tenant: t, market: 'se', type: 'page_view', deduplication_id: 'a' });
    expect(events[1]).toMatchObject({ type: 'click', product_id: 'p1', _ignored: ['price'] });
    // unknown fields are dropped, as the API's model drops them
    expect(events[1]).not.toHaveProperty('price');
    for (const e of events) {
      expect(e._origin).toBe('https://shop.example');
      expect(e._referer).toBe('https://shop.example/p/1');
      expect(e._user_agent).toBe('test-agent');
      expect(Date.parse(e._received_at)).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(events[1]._seq).toBe(events[0]._seq + 1);
  });

  it('accepts the key in an X-API-KEY header instead of the query', async () => {
    const t = newTenant();
    const r = await post(c, [ev(t)], { key: null, headers: { ...JSON_TYPE, 'X-API-KEY': 'k' } });
    expect(r.status).toBe(200);
    expect(await eventsOf(c, t)).toHaveLength(1);
  });

  it('takes an empty ?api_key= as a key given (FastAPI only checks presence)', async () => {
    expect((await post(c, [ev(newTenant())], { key: '' })).status).toBe(200);
  });

  it('accepts an empty batch', async () => {
    expect((await post(c, [])).json).toEqual({ accepted: 0, duplicates: 0 });
  });

  it('filters GET /events by tenant, type, session_id and since', async () => {
    const t = newTenant();
    await post(c, [ev(t, { session_id: 's1' }), ev(t, { type: 'click', session_id: 's2' }), ev(t, { type: 'click', session_id: 's1' })]);
    const all = await eventsOf(c, t);
    expect(all.map((e) => e.type)).toEqual(['page_view', 'click', 'click']);
    expect(await getJson(c, `/events?tenant=${t}&type=click`)).toHaveLength(2);
    expect(await getJson(c, `/events?tenant=${t}&session_id=s1`)).toHaveLength(2);
    expect(await getJson(c, `/events?tenant=${t}&type=click&session_id=s1`)).toEqual([all[2]]);
    expect(await getJson(c, `/events?tenant=${t}&since=${all[0]._seq}`)).toEqual(all.slice(1));
    expect((await send(c, 'GET', '/events?since=abc')).status).toBe(400);
  });

  it('DELETE /events?tenant= forgets that tenant only, on disk too', async () => {
    const [a, b] = [newTenant(), newTenant()];
    await post(c, [ev(a, { deduplication_id: 'x' }), ev(b)]);
    expect((await send(c, 'DELETE', `/events?tenant=${a}`)).json).toEqual({ deleted: 1 });
    expect(await eventsOf(c, a)).toEqual([]);
    expect(await eventsOf(c, b)).toHaveLength(1);
    const file = readFileSync(join(root, 'data-0', 'events.ndjson'), 'utf8');
    expect(file).not.toContain(`"${a}"`);
    expect(file).toContain(`"${b}"`);
    // its deduplication ids are forgotten too
    expect((await post(c, [ev(a, { deduplication_id: 'x' })])).json).toEqual({ accepted: 1, duplicates: 0 });
  });
});

describe('POST /create-events: deduplication', () => {
  it('stores a retried batch once and answers the retry with 200', async () => {
    const t = newTenant();
    const batch = [ev(t, { deduplication_id: 'e1' }), ev(t, { deduplication_id: 'e2' })];
    expect((await post(c, batch)).json).toEqual({ accepted: 2, duplicates: 0 });
    const retry = await post(c, batch);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ accepted: 0, duplicates: 2 });
    expect(await eventsOf(c, t)).toHaveLength(2);
  });

  it('dedups within one batch, stores events without an id every time, and keys on the tenant too', async () => {
    const [t, u] = [newTenant(), newTenant()];
    const r = await post(c, [ev(t, { deduplication_id: 'same' }), ev(t, { deduplication_id: 'same' }), ev(t), ev(t, { deduplication_id: null }), ev(u, { deduplication_id: 'same' })]);
    expect(r.json).toEqual({ accepted: 4, duplicates: 1 });
    expect((await post(c, [ev(t), ev(t, { deduplication_id: null })])).json).toEqual({ accepted: 2, duplicates: 0 });
    expect(await eventsOf(c, t)).toHaveLength(5);
    expect(await eventsOf(c, u)).toHaveLength(1);
    // on the pair itself: no separator a tenant or an id could hold makes two pairs one
    const v = newTenant();
    const pairs = [ev(`${v}\u0000b`, { deduplication_id: 'c' }), ev(v, { deduplication_id: 'b\u0000c' })];
    expect((await post(c, pairs)).json).toEqual({ accepted: 2, duplicates: 0 });
  });

  it('stores one copy when the same event races in two requests', async () => {
    const t = newTenant();
    const batch = [ev(t, { deduplication_id: 'race' })];
    const replies = await Promise.all([post(c, batch), post(c, batch), post(c, batch)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies.reduce((n, r) => n + r.json.accepted, 0)).toBe(1);
    expect(await eventsOf(c, t)).toHaveLength(1);
  });
});

describe('POST /create-events: 422s list every error and store nothing', () => {
  const cases: [string, unknown, unknown[]][] = [
    ['body not a list', { tenant: 'x' }, [{ type: 'list_type', loc: ['body'], msg: 'Input should be a valid list', input: { tenant: 'x' } }]],
    [
      'item not an object',
      [ev('x'), 'page_view'],
      [
        {
          type: 'model_attributes_type',
          loc: ['body', 1],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: 'page_view',
        },
      ],
    ],
    [
      'required fields absent',
      [{ type: 'click' }],
      [
        { type: 'missing', loc: ['body', 0, 'tenant'], msg: 'Field required', input: { type: 'click' } },
        { type: 'missing', loc: ['body', 0, 'market'], msg: 'Field required', input: { type: 'click' } },
      ],
    ],
    [
      'not strings (numbers are not coerced)',
      [ev('x', { entity_price: 199, document_width: 1280 })],
      [
        { type: 'string_type', loc: ['body', 0, 'entity_price'], msg: 'Input should be a valid string', input: 199 },
        { type: 'string_type', loc: ['body', 0, 'document_width'], msg: 'Input should be a valid string', input: 1280 },
      ],
    ],
    ['bad type', [ev('x', { type: 'pageview' })], [{ type: 'enum', loc: ['body', 0, 'type'], msg: ENUM_MSG, input: 'pageview', ctx: { expected: ENUM_MSG.slice('Input should be '.length) } }]],
    [
      'empty dsid',
      [ev('x', { dsid: '' })],
      [{ type: 'string_too_short', loc: ['body', 0, 'dsid'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } }],
    ],
    [
      'variant_ids not a list, and a bad item',
      [ev('x', { variant_ids: 'v1' }), ev('y', { variant_ids: ['v1', 2] })],
      [
        { type: 'list_type', loc: ['body', 0, 'variant_ids'], msg: 'Input should be a valid list', input: 'v1' },
        { type: 'string_type', loc: ['body', 1, 'variant_ids', 1], msg: 'Input should be a valid string', input: 2 },
      ],
    ],
    [
      'entity_identifiers not an object',
      [ev('x', { entity_identifiers: null })],
      [{ type: 'dict_type', loc: ['body', 0, 'entity_identifiers'], msg: 'Input should be a valid dictionary', input: null }],
    ],
    ['empty body', '', [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]],
    ['null body', 'null', [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]],
  ];

  it.each(cases)('%s', async (_name, body, detail) => {
    const before = (await getJson(c, '/events')).length;
    const r = await post(c, body);
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ detail });
    expect((await getJson(c, '/events')).length).toBe(before);
  });

  it('refuses the whole batch when one event of many is bad', async () => {
    const t = newTenant();
    const r = await post(c, [ev(t), ev(t), ev(t, { url: 5 }), ev(t)]);
    expect(r.status).toBe(422);
    expect(r.json.detail.map((i: any) => i.loc)).toEqual([['body', 2, 'url']]);
    expect(await eventsOf(c, t)).toEqual([]);
  });

  it('lists many errors across events, in event then field order', async () => {
    const r = await post(c, [{ market: 1, type: 'x', dsid: '' }, 7, ev('y', { currency: 4 })]);
    expect(r.json.detail.map((i: any) => `${i.loc.join('.')} ${i.type}`)).toEqual([
      'body.0.tenant missing',
      'body.0.market string_type',
      'body.0.type enum',
      'body.0.dsid string_too_short',
      'body.1 model_attributes_type',
      'body.2.currency string_type',
    ]);
  });
});

describe('POST /create-events: the API key', () => {
  const QUERY_MISSING = { type: 'missing', loc: ['query', 'api_key'], msg: 'Field required', input: null };

  it('missing: a 422 on ["query", "api_key"]', async () => {
    const t = newTenant();
    const r = await post(c, [ev(t)], { key: null });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ detail: [QUERY_MISSING] });
    expect(await eventsOf(c, t)).toEqual([]);
  });

  it('missing, with a bad body: listed together, the query first (as FastAPI does)', async () => {
    const r = await post(c, [{ tenant: 't', market: 'm' }], { key: null });
    expect(r.json.detail).toEqual([
      QUERY_MISSING,
      { type: 'missing', loc: ['body', 0, 'type'], msg: 'Field required', input: { tenant: 't', market: 'm' } },
    ]);
  });

  it('missing, with malformed JSON: only the JSON error (FastAPI parses the body first)', async () => {
    const r = await post(c, '[{', { key: null });
    expect(r.json.detail.map((i: any) => i.type)).toEqual(['json_invalid']);
  });

  describe('with DEPICT_API_KEYS', () => {
    let k: Collector;
    beforeAll(async () => {
      k = await start({ apiKeys: ['good-1', 'good-2'] });
    });

    it('refuses another key with 401 {"detail": "Invalid API key"}, with CORS', async () => {
      const r = await post(k, [ev(newTenant())], { key: 'bad', headers: { ...JSON_TYPE, Origin: 'https://shop.example' } });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ detail: 'Invalid API key' });
      expect(r.headers['access-control-allow-origin']).toBe('https://shop.example');
      expect((await post(k, [ev(newTenant())], { key: null, headers: { ...JSON_TYPE, 'X-API-KEY': 'nope' } })).status).toBe(401);
    });

    it('accepts its keys, in the query or the header', async () => {
      expect((await post(k, [ev(newTenant())], { key: 'good-2' })).status).toBe(200);
      expect((await post(k, [ev(newTenant())], { key: null, headers: { ...JSON_TYPE, 'X-API-KEY': 'good-1' } })).status).toBe(200);
    });

    it('still answers a missing key with the 422', async () => {
      expect((await post(k, [ev(newTenant())], { key: null })).json).toEqual({ detail: [QUERY_MISSING] });
    });
  });
});

describe('POST /create-events: Content-Type', () => {
  it('text/plain (what sendBeacon sends for a string): 422 list_type on the raw text, with a hint', async () => {
    const t = newTenant();
    const text = JSON.stringify([ev(t)]);
    const r = await post(c, text, { headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
    expect(r.status).toBe(422);
    expect(r.json.detail).toEqual([{ type: 'list_type', loc: ['body'], msg: 'Input should be a valid list', input: text }]);
    expect(r.json.hint).toMatch(/application\/json/);
    expect(await eventsOf(c, t)).toEqual([]);
  });

  it.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'json', 'application/jsonx'])(
    '%s: not parsed as JSON, 422',
    async (type) => {
      const r = await post(c, [ev(newTenant())], { headers: { 'Content-Type': type } });
      expect(r.status).toBe(422);
      expect(r.json.detail[0].type).toBe('list_type');
    },
  );

  it.each(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;charset=UTF-8', 'application/vnd.api+json'])(
    '%s: parsed as JSON, 200',
    async (type) => {
      expect((await post(c, [ev(newTenant())], { headers: { 'Content-Type': type } })).status).toBe(200);
    },
  );

  it('no Content-Type at all (a fetch of a Blob without a type): not parsed as JSON, as FastAPI 0.132 and later, 422 with a hint', async () => {
    const t = newTenant();
    for (const headers of [{}, { 'Content-Type': '' }] as Record<string, string>[]) {
      const r = await post(c, [ev(t)], { headers });
      expect(r.status).toBe(422);
      expect(r.json.detail[0]).toMatchObject({ type: 'list_type', loc: ['body'] });
      expect(r.json.hint).toMatch(/^A body without a Content-Type is not JSON to the API.*application\/json/);
    }
    expect(await eventsOf(c, t)).toEqual([]);
  });
});

describe('POST /create-events: malformed bodies', () => {
  // [body, position, message], each checked against CPython 3.11's json.loads
  const JSON_ERRORS: [string, number, string][] = [
    ['[1,]', 3, 'Expecting value'],
    ['{"a":1,}', 7, 'Expecting property name enclosed in double quotes'],
    ['[{"tenant" "x"}]', 11, "Expecting ':' delimiter"],
    ['[{"tenant":"x",}]', 15, 'Expecting property name enclosed in double quotes'],
    ['"😀" x', 4, 'Extra data'],
    ['["😀", x]', 6, 'Expecting value'],
    ['[{"url":"é", x}]', 13, 'Expecting property name enclosed in double quotes'],
    ['[1 2]', 3, "Expecting ',' delimiter"],
    ['"abc', 0, 'Unterminated string starting at'],
    ['[{"a":"b\tc"}]', 8, 'Invalid control character at'],
    ['["\\q"]', 2, 'Invalid \\escape'],
    ['["\\u12zz"]', 3, 'Invalid \\uXXXX escape'],
    [' ', 1, 'Expecting value'],
    ['[', 1, 'Expecting value'],
    ["[{'tenant':'x'}]", 2, 'Expecting property name enclosed in double quotes'],
    ['[]]', 2, 'Extra data'],
    ['[{"tenant":"x"}]\n[{"tenant":"y"}]', 17, 'Extra data'],
    ['undefined', 0, 'Expecting value'],
    ['[{"a":True}]', 6, 'Expecting value'],
    ['["\\u12"]', 3, 'Invalid \\uXXXX escape'],
    ['["\\u12', 3, 'Invalid \\uXXXX escape'],
    ['["\\ud800\\uzzzz"]', 9, 'Invalid \\uXXXX escape'],
    ['["\\ud800\\u00e9"]x', 16, 'Extra data'],
    ['["\\ud800\\udc00', 9, 'Invalid \\uXXXX escape'],
    ['[1e5, 1e]', 7, "Expecting ',' delimiter"],
    ['[-01]', 3, "Expecting ',' delimiter"],
    ['[1.]', 2, "Expecting ',' delimiter"],
    ['{"a":"\\ud83d\\ude00", "b" 1}', 25, "Expecting ':' delimiter"],
    ['"\\', 0, 'Unterminated string starting at'],
  ];

  it.each(JSON_ERRORS)('%j: json_invalid at ["body", %i], %s', async (body, pos, error) => {
    const r = await post(c, body);
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ detail: [{ type: 'json_invalid', loc: ['body', pos], msg: 'JSON decode error', input: {}, ctx: { error } }] });
  });

  it('takes NaN and Infinity, as Python does (here in an unknown field)', async () => {
    const t = newTenant();
    const r = await post(c, `[{"tenant":"${t}","market":"se","type":"click","score":NaN,"max":-Infinity}]`);
    expect(r.status).toBe(200);
    expect((await eventsOf(c, t))[0]._ignored).toEqual(['score', 'max']);
  });

  it('a UTF-8 BOM is fine (FastAPI hands json.loads bytes, read as utf-8-sig)', async () => {
    const r = await post(c, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([ev(newTenant())]))]));
    expect(r.status).toBe(200);
  });

  it('bytes that are not UTF-8: 400, as FastAPI answers a UnicodeDecodeError', async () => {
    const bad = Buffer.concat([Buffer.from('[{"tenant":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]')]);
    const r = await post(c, bad, { headers: { ...JSON_TYPE, Origin: 'https://shop.example' } });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ detail: 'There was an error parsing the body' });
    expect(r.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it("nesting past Python's recursion limit: 400; below it, an ordinary 422", async () => {
    expect((await post(c, '['.repeat(1000) + ']'.repeat(1000))).status).toBe(400);
    const r = await post(c, '['.repeat(900) + ']'.repeat(900));
    expect(r.status).toBe(422);
    expect(r.json.detail[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body', 0] });
  });
});

describe('POST /create-events: body size', () => {
  const MiB = 1024 * 1024;
  /** A valid batch padded with JSON whitespace to exactly `size` bytes. */
  const padded = (tenant: string, size: number) => {
    const json = JSON.stringify([ev(tenant)]);
    return json + ' '.repeat(size - json.length);
  };

  it('takes exactly 1 MiB; refuses 1 MiB + 1 byte with 413, with CORS', async () => {
    const [t, u] = [newTenant(), newTenant()];
    expect((await post(c, padded(t, MiB))).status).toBe(200);
    const r = await post(c, padded(u, MiB + 1), { headers: { ...JSON_TYPE, Origin: 'https://shop.example' } });
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ detail: 'Request body too large' });
    expect(r.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(await eventsOf(c, u)).toEqual([]);
  });

  it('counts a chunked body (no Content-Length): exactly 1 MiB taken, 1 MiB + 1 byte refused', async () => {
    const [t, u] = [newTenant(), newTenant()];
    const path = '/create-events?api_key=k';
    expect((await send(c, 'POST', path, { body: padded(t, MiB), headers: JSON_TYPE, chunked: true })).status).toBe(200);
    expect((await send(c, 'POST', path, { body: padded(u, MiB + 1), headers: JSON_TYPE, chunked: true })).status).toBe(413);
    expect(await eventsOf(c, u)).toEqual([]);
  });

  it('answers a declared Content-Length over 1 MiB at once, without waiting for the body', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: c.port,
        method: 'POST',
        path: '/create-events?api_key=k',
        headers: { ...JSON_TYPE, 'Content-Length': 50 * MiB },
        agent: false,
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('[');
    });
    expect(status).toBe(413);
  });

  it('stops reading a chunked body once it passes 1 MiB, and answers 413', async () => {
    const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: c.port, method: 'POST', path: '/create-events?api_key=k', headers: JSON_TYPE, agent: false });
      let answered = false;
      let sent = 0;
      req.on('response', (res) => {
        answered = true;
        resolve({ status: res.statusCode ?? 0, sent });
        req.destroy();
      });
      req.on('error', (e) => answered || reject(e));
      const chunk = Buffer.alloc(64 * 1024, ' ');
      const pump = () => {
        while (!answered && sent < 8 * MiB) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    // answered long before the client was done sending 8 MiB
    expect(sent).toBeLessThan(8 * MiB);
    // and the server is fine
    expect((await post(c, [ev(newTenant())])).status).toBe(200);
  });
});

describe('clients that misbehave', () => {
  it('a client that goes away mid-body does not crash the server', async () => {
    const before = (await getJson(c, '/stats')).requests;
    await new Promise<void>((resolve) => {
      const socket = connect(c.port, '127.0.0.1', () => {
        socket.write(
          'POST /create-events?api_key=k HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"tenant":',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    // counted once the server has seen the client go
    await vi.waitFor(async () => expect((await getJson(c, '/stats')).requests).toBe(before + 1));
    expect((await post(c, [ev(newTenant())])).status).toBe(200);
  });

  it('a client that goes away while a delayed answer is pending does not crash it either', async () => {
    const t = newTenant();
    await send(c, 'POST', `/__faults?tenant=${t}`, { body: JSON.stringify({ delayMs: 150, count: 1 }), headers: JSON_TYPE });
    const req = httpRequest({ host: '127.0.0.1', port: c.port, method: 'POST', path: '/create-events?api_key=k', headers: JSON_TYPE, agent: false });
    req.on('error', () => {});
    req.end(JSON.stringify([ev(t)]));
    await sleep(50);
    req.destroy();
    await sleep(200);
    expect((await post(c, [ev(newTenant())])).status).toBe(200);
  });

  it('garbage instead of HTTP gets a 400 and does not crash it', async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(c.port, '127.0.0.1', () => socket.write('\x00\x01 nonsense\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await post(c, [ev(newTenant())])).status).toBe(200);
  });

  it('other methods on /create-events get 405 with CORS', async () => {
    const r = await send(c, 'GET', '/create-events', { headers: { Origin: 'https://shop.example' } });
    expect(r.status).toBe(405);
    expect(r.json).toEqual({ detail: 'Method Not Allowed' });
    expect(r.headers.allow).toBe('POST, OPTIONS');
    expect(r.headers['access-control-allow-origin']).toBe('https://shop.example');
  });
});

// ---- CORS ----

describe('CORS', () => {
  const ORIGIN = 'https://shop.example:8443';

  it('answers the preflight with 204, the exact origin and credentials', async () => {
    const r = await send(c, 'OPTIONS', '/create-events?api_key=k', {
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(r.status).toBe(204);
    expect(r.headers).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '7200',
      vary: 'Origin, Access-Control-Request-Headers',
    });
    expect(r.headers['access-control-allow-private-network']).toBeUndefined();
  });

  it("allows the request headers the preflight asks for (a monitoring tool's, such as Sentry's), and the API's own when it asks for none", async () => {
    const ask = (h: Record<string, string>) =>
      send(c, 'OPTIONS', '/create-events', { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', ...h } });
    const sentry = await ask({ 'Access-Control-Request-Headers': 'baggage,content-type,sentry-trace' });
    expect(sentry.headers['access-control-allow-headers']).toBe('baggage,content-type,sentry-trace');
    expect((await ask({})).headers['access-control-allow-headers']).toBe('content-type, x-api-key');
  });

  it("answers a preflight to any path, and a 404 with CORS, as FastAPI's middleware does: a page can read that its endpoint has a typo", async () => {
    const pre = await send(c, 'OPTIONS', '/create-event', { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(ORIGIN);
    const r = await send(c, 'POST', '/create-event?api_key=k', { body: JSON.stringify([ev(newTenant())]), headers: { ...JSON_TYPE, Origin: ORIGIN } });
    expect(r.status).toBe(404);
    expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
    // an OPTIONS that is no preflight (no Access-Control-Request-Method) is still a 404
    expect((await send(c, 'OPTIONS', '/create-event', { headers: { Origin: ORIGIN } })).status).toBe(404);
  });

  it('allows Private Network Access when the preflight asks for it', async () => {
    const r = await send(c, 'OPTIONS', '/create-events', {
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(r.headers['access-control-allow-private-network']).toBe('true');
  });

  it('echoes the origin on 200 and on 422, never "*"', async () => {
    for (const body of [[ev(newTenant())], [{}]]) {
      const r = await post(c, body, { headers: { ...JSON_TYPE, Origin: ORIGIN } });
      expect([200, 422]).toContain(r.status);
      expect(r.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(r.headers['access-control-allow-credentials']).toBe('true');
      expect(r.headers['access-control-expose-headers']).toBe('Retry-After');
      expect(r.headers.vary).toBe('Origin');
    }
  });

  it('sends no Allow-Origin without an Origin, but still Vary', async () => {
    const r = await post(c, [ev(newTenant())]);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers.vary).toBe('Origin');
  });
});

// ---- Storage across restarts ----

describe('storage', () => {
  it('keeps events across a restart, with their dedup ids and _seq', async () => {
    const dataDir = join(root, 'restart');
    const t = newTenant();
    const first = await createCollector({ dataDir, ...quiet });
    await post(first, [ev(t, { deduplication_id: 'r1' }), ev(t)]);
    const before = await eventsOf(first, t);
    await first.close();

    const second = await start({ dataDir });
    expect(await eventsOf(second, t)).toEqual(before);
    expect((await post(second, [ev(t, { deduplication_id: 'r1' })])).json).toEqual({ accepted: 0, duplicates: 1 });
    await post(second, [ev(t, { deduplication_id: 'r2' })]);
    const after = await eventsOf(second, t);
    expect(after[2]._seq).toBeGreaterThan(before[1]._seq);
  });

  it('leaves out a line cut short by a crash, with a warning, and goes on', async () => {
    const dataDir = join(root, 'torn');
    const t = newTenant();
    const first = await createCollector({ dataDir, ...quiet });
    await post(first, [ev(t, { deduplication_id: 'ok' })]);
    await first.close();
    appendFileSync(join(dataDir, 'events.ndjson'), `{"tenant":"${t}","market":"se","ty`);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const second = await start({ dataDir });
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    expect(await eventsOf(second, t)).toHaveLength(1);
    await post(second, [ev(t, { deduplication_id: 'next' })]);
    const lines = readFileSync(join(dataDir, 'events.ndjson'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).deduplication_id)).toEqual(['ok', 'next']);
  });

  it('DELETE /events clears everything, file included', async () => {
    const dataDir = join(root, 'cleared');
    const d = await start({ dataDir });
    await post(d, [ev(newTenant()), ev(newTenant())]);
    expect((await send(d, 'DELETE', '/events')).json).toEqual({ deleted: 2 });
    expect(await getJson(d, '/events')).toEqual([]);
    expect(readFileSync(join(dataDir, 'events.ndjson'), 'utf8')).toBe('');
  });
});

// ---- Stats and rejections ----

describe('GET /stats and GET /rejections', () => {
  it('counts requests, events received, stored, duplicates, rejections and faults per tenant', async () => {
    const t = newTenant();
    await post(c, [ev(t, { deduplication_id: 'a' }), ev(t, { deduplication_id: 'b' })]);
    await post(c, [ev(t, { deduplication_id: 'a' })]);
    await post(c, [ev(t, { type: 'nope' }), ev(t)]);
    await send(c, 'POST', `/__faults?tenant=${t}`, { body: '{"count": 1}', headers: JSON_TYPE });
    await post(c, [ev(t, { deduplication_id: 'c' })]);
    expect(await getJson(c, `/stats?tenant=${t}`)).toEqual({
      requests: 4,
      events_received: 6,
      stored: 2,
      duplicates: 1,
      rejected_batches: 1,
      faulted: 1,
    });
    const total = await getJson(c, '/stats');
    expect(Object.keys(total).sort()).toEqual(['duplicates', 'events_received', 'faulted', 'rejected_batches', 'requests', 'stored']);
    expect(total.requests).toBeGreaterThanOrEqual(4);
    expect(await getJson(c, '/stats?tenant=never-seen')).toMatchObject({ requests: 0, stored: 0 });
  });

  it('DELETE /stats?tenant= zeroes one tenant; DELETE /rejections empties the list', async () => {
    const d = await start();
    const [a, b] = [newTenant(), newTenant()];
    await post(d, [ev(a)]);
    await post(d, [{ tenant: b }]);
    expect((await send(d, 'DELETE', `/stats?tenant=${a}`)).json).toMatchObject({ requests: 0, stored: 0 });
    expect(await getJson(d, `/stats?tenant=${b}`)).toMatchObject({ requests: 1, rejected_batches: 1 });
    expect((await getJson(d, '/stats')).requests).toBe(2);
    await send(d, 'DELETE', '/stats');
    expect(await getJson(d, `/stats?tenant=${b}`)).toMatchObject({ requests: 0 });
    expect((await getJson(d, '/stats')).requests).toBe(0);
    expect(await getJson(d, '/rejections')).toHaveLength(1);
    await send(d, 'DELETE', '/rejections');
    expect(await getJson(d, '/rejections')).toEqual([]);
  });

  it('keeps rejected batches with their detail and body', async () => {
    const t = newTenant();
    const body = [ev(t, { dsid: '' })];
    const r = await post(c, body, { headers: { ...JSON_TYPE, Origin: 'https://shop.example' } });
    await post(c, JSON.stringify([ev(t)]), { headers: { 'Content-Type': 'text/plain' } });
    const rejections = await getJson(c, `/rejections?tenant=${t}`);
    expect(rejections).toHaveLength(1); // the text/plain body has no parsed tenant
    expect(rejections[0]).toMatchObject({ status: 422, tenant: t, detail: r.json.detail, body, origin: 'https://shop.example' });
    const all = await getJson(c, `/rejections?since=${rejections[0].id}`);
    expect(all.at(-1)).toMatchObject({ status: 422, tenant: null, body: JSON.stringify([ev(t)]) });
    expect(all.at(-1).hint).toMatch(/application\/json/);
  });
});

// ---- Fault injection ----

describe('fault injection', () => {
  const setFault = (col: Collector, tenant: string | undefined, options: object) =>
    send(col, 'POST', tenant ? `/__faults?tenant=${tenant}` : '/__faults', { body: JSON.stringify(options), headers: JSON_TYPE });

  it('503 with Retry-After for `count` requests, then recovers', async () => {
    const t = newTenant();
    expect((await setFault(c, t, { status: 503, retryAfter: 2, count: 2 })).status).toBe(200);
    const batch = [ev(t, { deduplication_id: 'f1' })];
    for (let i = 0; i < 2; i++) {
      const r = await post(c, batch, { headers: { ...JSON_TYPE, Origin: 'https://shop.example' } });
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('2');
      expect(r.headers['access-control-allow-origin']).toBe('https://shop.example');
      expect(await eventsOf(c, t)).toEqual([]);
    }
    expect((await post(c, batch)).status).toBe(200);
    expect(await eventsOf(c, t)).toHaveLength(1);
    expect((await getJson(c, '/__faults')).tenants[t]).toBeUndefined();
  });

  it('429, with Retry-After rounded up to whole seconds', async () => {
    const t = newTenant();
    await setFault(c, t, { status: 429, retryAfter: 1.5, count: 1 });
    const r = await post(c, [ev(t)]);
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ detail: 'Too Many Requests' });
    expect(r.headers['retry-after']).toBe('2');
  });

  it('drop: the connection closes without an answer, nothing stored', async () => {
    const t = newTenant();
    await setFault(c, t, { drop: true, count: 1 });
    await expect(post(c, [ev(t)])).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await eventsOf(c, t)).toEqual([]);
    expect((await post(c, [ev(t)])).status).toBe(200);
  });

  it('reject: a 422 naming exactly the refused events, merged in order with real errors; nothing stored', async () => {
    const t = newTenant();
    await setFault(c, t, { reject: ['id-2', 'id-9'] });
    const r = await post(c, [
      ev(t, { deduplication_id: 'id-1' }),
      ev(t, { deduplication_id: 'id-2', market: 5, url: 6 }),
      ev(t, { deduplication_id: 'id-3', type: 'nope' }),
    ]);
    expect(r.status).toBe(422);
    expect(r.json.detail.map((i: any) => [i.loc.join('.'), i.type])).toEqual([
      ['body.1.market', 'string_type'],
      ['body.1.deduplication_id', 'value_error'],
      ['body.1.url', 'string_type'],
      ['body.2.type', 'enum'],
    ]);
    expect(r.json.detail[1]).toEqual({
      type: 'value_error',
      loc: ['body', 1, 'deduplication_id'],
      msg: 'Value error, rejected by fault injection',
      input: 'id-2',
    });
    expect(await eventsOf(c, t)).toEqual([]);
    // batches without those ids go through
    expect((await post(c, [ev(t, { deduplication_id: 'id-1' })])).status).toBe(200);
  });

  it('storeThenFail: stores, answers 503; the retry is a duplicate answered 200', async () => {
    const t = newTenant();
    await setFault(c, t, { storeThenFail: true, count: 1 });
    const batch = [ev(t, { deduplication_id: 's1' }), ev(t, { deduplication_id: 's2' })];
    expect((await post(c, batch)).status).toBe(503);
    expect(await eventsOf(c, t)).toHaveLength(2);
    expect((await post(c, batch)).json).toEqual({ accepted: 0, duplicates: 2 });
  });

  it("stallBody: the status, CORS and the body's first bytes arrive, the rest never does; nothing stored", async () => {
    const t = newTenant();
    await setFault(c, t, { stallBody: true, count: 1 });
    const body = JSON.stringify([ev(t)]);
    const req = httpRequest({
      host: '127.0.0.1',
      port: c.port,
      method: 'POST',
      path: '/create-events?api_key=k',
      headers: { ...JSON_TYPE, Origin: 'https://shop.example' },
      agent: false,
    });
    const res = await new Promise<import('node:http').IncomingMessage>((ok, ko) => req.on('response', ok).on('error', ko).end(body));
    expect(res.statusCode).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    const first = await new Promise<string>((ok) => res.once('data', (b: Buffer) => ok(String(b))));
    expect(first).toBe('{"detail":');
    // the answer is still open when the collector has handled the next request, which is stored
    let ended = false;
    res.on('end', () => (ended = true));
    expect((await post(c, [ev(t)])).status).toBe(200);
    expect(ended).toBe(false);
    expect(await eventsOf(c, t)).toHaveLength(1);
    req.destroy();
  });

  it('delayMs: a slow but normal answer', async () => {
    const t = newTenant();
    await setFault(c, t, { delayMs: 300, count: 1 });
    const t0 = Date.now();
    expect((await post(c, [ev(t)])).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('rate 0 never faults', async () => {
    const t = newTenant();
    await setFault(c, t, { status: 503, rate: 0 });
    for (let i = 0; i < 5; i++) expect((await post(c, [ev(t)])).status).toBe(200);
  });

  it("a tenant's fault leaves other tenants alone, and is cleared by DELETE or {}", async () => {
    const [a, b] = [newTenant(), newTenant()];
    await setFault(c, a, { status: 503 });
    expect((await post(c, [ev(b)])).status).toBe(200);
    expect((await post(c, [ev(a)])).status).toBe(503);
    expect((await getJson(c, '/__faults')).tenants[a]).toEqual({ status: 503 });
    await send(c, 'DELETE', `/__faults?tenant=${a}`);
    expect((await post(c, [ev(a)])).status).toBe(200);
    await setFault(c, a, { status: 503 });
    await setFault(c, a, {});
    expect((await post(c, [ev(a)])).status).toBe(200);
  });

  it('refuses fault options that are wrong or unknown, with a 400 that says why', async () => {
    for (const [options, why] of [
      [{ status: 200 }, /status/],
      [{ retry_after: 2 }, /unknown option "retry_after"/],
      [{ rate: 2 }, /rate/],
      [{ reject: 'id' }, /reject/],
      [[], /object/],
    ] as const) {
      const r = await setFault(c, newTenant(), options);
      expect(r.status).toBe(400);
      expect(r.json.detail).toMatch(why);
    }
    expect((await send(c, 'POST', '/__faults?tenant=x', { body: '{', headers: JSON_TYPE })).status).toBe(400);
  });

  it('global faults (DEPICT_FAULTS) apply to every tenant; a tenant fault overrides them', async () => {
    const g = await start({ faults: { status: 503, count: 2 } });
    const [a, b] = [newTenant(), newTenant()];
    await setFault(g, a, { status: 429, count: 1 });
    expect((await post(g, [ev(a)])).status).toBe(429);
    expect((await post(g, [ev(b)])).status).toBe(503);
    expect((await post(g, [ev(a)])).status).toBe(503);
    expect((await post(g, [ev(b)])).status).toBe(200);
    expect((await getJson(g, '/__faults')).global).toBeNull();
  });

  it('a global fault can also be set at run time, and faults bodies that do not parse', async () => {
    const g = await start();
    await setFault(g, undefined, { status: 503, count: 1 });
    expect((await post(g, '{not json')).status).toBe(503);
    expect((await post(g, '{not json')).status).toBe(422);
  });
});

// ---- Static files ----

describe('static files', () => {
  it('serves public/ with the .html optional, folders as index.html', async () => {
    const home = await send(c, 'GET', '/');
    expect(home.status).toBe(200);
    expect(home.text).toBe('<h1>home</h1>');
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.headers['cache-control']).toBe('no-cache');
    expect((await send(c, 'GET', '/product')).text).toBe('<h1>product</h1>');
    expect((await send(c, 'GET', '/product.html?x=1')).text).toBe('<h1>product</h1>');
    expect((await send(c, 'GET', '/shop/')).text).toBe('<h1>shop</h1>');
    const noSlash = await send(c, 'GET', '/shop');
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.location).toBe('/shop/');
    expect((await send(c, 'GET', '/shop.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('serves the snippet from dist/, never cached', async () => {
    const js = await send(c, 'GET', '/depict.js');
    expect(js.status).toBe(200);
    expect(js.text).toBe('console.log(1)');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('no-store');
    expect((await send(c, 'GET', '/depict.js.map')).headers['content-type']).toBe('application/json');
    const head = await send(c, 'HEAD', '/depict.js');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-length']).toBe(String('console.log(1)'.length));
  });

  it('404s what is not there, hidden files included', async () => {
    expect((await send(c, 'GET', '/nope.js')).status).toBe(404);
    expect((await send(c, 'GET', '/.hidden')).status).toBe(404);
    expect((await send(c, 'POST', '/product')).status).toBe(404);
  });

  it.each([
    ['/../secret.txt', 403],
    ['/../../secret.txt', 403],
    ['/shop/../../secret.txt', 403],
    ['/%2e%2e/secret.txt', 403],
    ['/%2E%2E%2Fsecret.txt', 403],
    ['/..%2fsecret.txt', 403],
    ['/shop/..%2f..%2fsecret.txt', 403],
    ['/..%5csecret.txt', 403],
    ['/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', 403],
    ['/secret.txt%00.html', 403],
    ['/%ff', 400],
    ['//secret.txt', 404],
  ])('refuses path traversal: %s', async (path, status) => {
    const r = await send(c, 'GET', path);
    expect(r.status).toBe(status);
    expect(r.text).not.toContain('TOP SECRET');
    expect(r.text).not.toContain('root:');
  });
});

// ---- main.ts, the `npm start` entry ----

describe('main.ts (bundled, as npm start runs it)', () => {
  let entry: string;
  beforeAll(async () => {
    entry = join(root, 'bin', 'collector.mjs');
    await build({ entryPoints: ['src/collector/main.ts'], bundle: true, platform: 'node', format: 'esm', outfile: entry, logLevel: 'silent' });
  });

  /** Runs the entry with `env`; resolves with its port once it says where it listens. */
  function run(env: Record<string, string>) {
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, PORT: '0', DEPICT_DATA_DIR: join(root, 'main-data'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const ready = new Promise<number>((resolve, reject) => {
      child.stdout.on('data', () => {
        const m = /Depict collector on http:\/\/localhost:(\d+) — demo shop at \/, live inspector at \/inspector, events at \/events/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { child, ready, exited, output: () => out, errors: () => err };
  }

  it('reads PORT, DEPICT_API_KEYS and DEPICT_FAULTS, and logs one line per POST', async () => {
    const p = run({ DEPICT_API_KEYS: 'key-a, key-b', DEPICT_FAULTS: '{"status": 503, "count": 1}' });
    try {
      const port = await p.ready;
      const self = { port } as Collector;
      const t = newTenant();
      expect((await post(self, [ev(t)], { key: 'key-b' })).status).toBe(503);
      expect((await post(self, [ev(t)], { key: 'key-b' })).status).toBe(200);
      expect((await post(self, [ev(t)], { key: 'key-c' })).status).toBe(401);
      expect(p.output()).toMatch(/POST \/create-events 200 tenant=\S+ events=1 stored=1 duplicates=0/);
    } finally {
      p.child.kill();
      await p.exited;
    }
  });

  it('QUIET=1 silences the per-request lines', async () => {
    const p = run({ QUIET: '1' });
    try {
      const self = { port: await p.ready } as Collector;
      expect((await post(self, [ev(newTenant())])).status).toBe(200);
      expect(p.output()).not.toMatch(/POST/);
    } finally {
      p.child.kill();
      await p.exited;
    }
  });

  it('refuses DEPICT_FAULTS that are not valid fault options', async () => {
    const p = run({ DEPICT_FAULTS: '{"staus": 503}' });
    p.ready.catch(() => {});
    expect(await p.exited).toBe(1);
    expect(p.errors()).toMatch(/DEPICT_FAULTS: unknown option "staus"/);
  });
});
