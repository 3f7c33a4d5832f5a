// The local collector against hostile clients, over real HTTP on loopback: malformed,
// deeply nested, oversized, mistyped and non-UTF-8 bodies, bodies that never end, clients
// that send one byte at a time, and many bad requests at once. Each must get a 4xx (or be
// cut), nothing of a refused batch may be stored, the process must not crash, and a good
// request must still work afterwards. Every loop here is bounded in count and in time.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector, type CollectorOptions } from '../src/collector/server';

// ---- Helpers ----

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const PATH = '/create-events?api_key=k';

/** One request on a fresh connection. */
function send(
  c: Collector,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string | number> = JSON_TYPE,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: c.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (c: Collector, body: string | Buffer, headers?: Record<string, string | number>) => send(c, 'POST', PATH, body, headers);

let tenants = 0;
const newTenant = () => `hostile${++tenants}-${process.pid}`;
const ev = (tenant: string, fields: Record<string, unknown> = {}) => ({ tenant, market: 'se', type: 'page_view', ...fields });
const batch = (tenant: string, n = 3) => JSON.stringify(Array.from({ length: n }, (_, i) => ev(tenant, { deduplication_id: `${tenant}-${i}` })));
const eventsOf = async (c: Collector, tenant: string): Promise<any[]> => (await send(c, 'GET', `/events?tenant=${tenant}`)).json;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server still works: a good batch is stored. */
async function stillWorks(c: Collector) {
  const t = newTenant();
  const r = await post(c, batch(t, 1));
  expect(r.status).toBe(200);
  expect(await eventsOf(c, t)).toHaveLength(1);
}

/**
 * A raw TCP client: writes `head`, then `drip` one byte every `everyMs` (until the server
 * answers or closes), and gives back what the server said and when, or `timedOut` after
 * `maxMs`, when it gives up itself.
 */
function rawClient(
  c: Collector,
  head: string | Buffer,
  { drip = '', everyMs = 200, maxMs = 5000 }: { drip?: string; everyMs?: number; maxMs?: number } = {},
): Promise<{ text: string; ms: number; closed: boolean; timedOut: boolean; dripped: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let text = '';
    let dripped = 0;
    let done = false;
    const socket = connect(c.port, '127.0.0.1');
    const finish = (closed: boolean, timedOut: boolean) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ text, ms: Date.now() - t0, closed, timedOut, dripped });
    };
    const timer = setInterval(() => {
      if (dripped < drip.length && !socket.destroyed && socket.writable) socket.write(drip[dripped++]);
    }, everyMs);
    const giveUp = setTimeout(() => finish(false, true), maxMs);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (d) => (text += d));
    socket.on('end', () => finish(true, false));
    socket.on('close', () => finish(true, false));
    socket.on('error', () => finish(true, false));
  });
}

// ---- Fixtures ----

const root = mkdtempSync(join(tmpdir(), 'depict-hostile-'));
const started: Collector[] = [];
async function start(options: Partial<CollectorOptions> = {}) {
  const c = await createCollector({ dataDir: join(root, 'data-' + started.length), quiet: true, ...options });
  started.push(c);
  return c;
}

let c: Collector;
const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
beforeAll(async () => {
  c = await start();
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
  // nothing any request did reached Object.prototype
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
  expect(({} as any).polluted).toBeUndefined();
});

// ---- Malformed bodies ----

describe('malformed JSON: 422 json_invalid, nothing of the batch stored', () => {
  it.each([
    ['cut off mid-event', (b: string) => b.slice(0, -20)],
    ['trailing garbage', (b: string) => b + ' x'],
    ['a second array after the first', (b: string) => b + b],
    ['single quotes', (b: string) => b.replace(/"/g, "'")],
    ['a trailing comma', (b: string) => b.slice(0, -1) + ',]'],
    ['a NUL byte inside a string', (b: string) => b.replace('page_view', 'page\u0000view')],
  ])('%s', async (_name, mangle) => {
    const t = newTenant();
    const r = await post(c, mangle(batch(t)));
    expect(r.status).toBe(422);
    expect(r.json.detail).toEqual([expect.objectContaining({ type: 'json_invalid', msg: 'JSON decode error' })]);
    expect(await eventsOf(c, t)).toEqual([]);
  });

  it('an empty body, and the JSON null: 422 missing body', async () => {
    for (const body of ['', 'null', '  \n ']) {
      const r = await post(c, body);
      expect(r.status).toBe(422);
    }
  });
});

describe('deep nesting (10,000 levels): 400 at once, no stack overflow, nothing stored', () => {
  const N = 10_000;
  const t = newTenant();
  const valid = JSON.stringify(ev(t, { deduplication_id: 'deep-valid' }));
  it.each([
    ['arrays', '['.repeat(N) + ']'.repeat(N)],
    ['objects', '{"a":'.repeat(N) + '1' + '}'.repeat(N)],
    ['alternating', '[{"a":'.repeat(N / 2) + 'null' + '}]'.repeat(N / 2)],
    ['inside entity_identifiers, after a valid event', `[${valid},${JSON.stringify(ev(t)).slice(0, -1)},"entity_identifiers":${'{"a":'.repeat(N)}1${'}'.repeat(N)}}]`],
    ['unclosed', '['.repeat(N)],
  ])('%s', async (_name, body) => {
    const t0 = Date.now();
    const r = await post(c, body);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ detail: 'There was an error parsing the body' });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await eventsOf(c, t)).toEqual([]);
  });

  it('the faults route (JSON.parse) takes 10,000 levels too, with a 400', async () => {
    const r = await send(c, 'POST', '/__faults', '{"a":'.repeat(N) + '1' + '}'.repeat(N));
    expect(r.status).toBe(400);
    await stillWorks(c);
  });
});

describe('a 50 MiB body', () => {
  const MiB = 1024 * 1024;

  /** Streams `total` bytes of a batch padded with spaces; stops once the server answered or
   * cut the connection. Resolves with the status (0: cut without one) and the bytes sent. */
  const stream = (tenant: string, total: number, declared: boolean) =>
    new Promise<{ status: number; sent: number }>((resolve) => {
      const headers: Record<string, string | number> = { ...JSON_TYPE };
      if (declared) headers['Content-Length'] = total;
      const req = httpRequest({ host: '127.0.0.1', port: c.port, method: 'POST', path: PATH, headers, agent: false });
      let sent = 0;
      let status = 0;
      let over = false;
      const end = () => {
        if (over) return;
        over = true;
        req.destroy();
        resolve({ status, sent });
      };
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        end();
      });
      req.on('error', end);
      const head = Buffer.from(batch(tenant).slice(0, -1) + ',');
      const pad = Buffer.alloc(256 * 1024, ' ');
      req.write(head);
      sent = head.length;
      const pump = () => {
        while (!over && sent < total) {
          const chunk = pad.subarray(0, Math.min(pad.length, total - sent));
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!over) req.end();
      };
      pump();
      setTimeout(end, 10_000); // bound
    });

  it('with a Content-Length: 413 before the client is done, nothing stored', async () => {
    const t = newTenant();
    const { status, sent } = await stream(t, 50 * MiB, true);
    expect(status).toBe(413);
    expect(sent).toBeLessThan(50 * MiB);
    expect(await eventsOf(c, t)).toEqual([]);
    await stillWorks(c);
  });

  it('chunked, without a Content-Length: 413 (or cut) long before 50 MiB, nothing stored', async () => {
    const t = newTenant();
    const { status, sent } = await stream(t, 50 * MiB, false);
    // the answer comes past the first MiB; a client that has not read it by the time it has
    // sent 16 MiB more (read and thrown away: readBody's DISCARD_LIMIT) is cut off. The test
    // runs client and collector in one process: on a busy machine (the full suite, another
    // run beside it) the client may write on before it reads (seen once, a CI run beside it)
    if (status != 413) expect({ status, pastTheDiscard: sent > 16 * MiB }).toEqual({ status: 0, pastTheDiscard: true });
    expect(sent).toBeLessThan(50 * MiB);
    expect(await eventsOf(c, t)).toEqual([]);
    await stillWorks(c);
  });
});

describe('wrong types: 422 listing the problems, no event of the batch stored', () => {
  const cases: [string, (t: string) => unknown, string][] = [
    ['an object, not a list', (t) => ev(t), 'list_type'],
    ['a string', () => 'events', 'list_type'],
    ['a number', () => 42, 'list_type'],
    ['items that are not objects', (t) => [ev(t), 1, 'a', null, [], true], 'model_attributes_type'],
    ['a number where a string goes', (t) => [ev(t), ev(t, { entity_price: 499 })], 'string_type'],
    ['a numeric tenant', (t) => [ev(t), { ...ev(t), tenant: 5 }], 'string_type'],
    ['an unknown type', (t) => [ev(t), ev(t, { type: 'purchased' })], 'enum'],
    ['variant_ids as a string', (t) => [ev(t), ev(t, { variant_ids: 'a,b' })], 'list_type'],
    ['variant_ids with a number', (t) => [ev(t), ev(t, { variant_ids: ['a', 2] })], 'string_type'],
    ['entity_identifiers as a list', (t) => [ev(t), ev(t, { entity_identifiers: [] })], 'dict_type'],
    ['entity_identifiers null (not nullable)', (t) => [ev(t), ev(t, { entity_identifiers: null })], 'dict_type'],
    ['an empty dsid', (t) => [ev(t), ev(t, { dsid: '' })], 'string_too_short'],
    ['an object as url', (t) => [ev(t), ev(t, { url: { href: 'x' } })], 'string_type'],
    ['a missing market, last of 50', (t) => [...Array.from({ length: 49 }, () => ev(t)), { tenant: t, type: 'click' }], 'missing'],
  ];
  it.each(cases)('%s', async (_name, body, type) => {
    const t = newTenant();
    const r = await post(c, JSON.stringify(body(t)));
    expect(r.status).toBe(422);
    expect(r.json.detail.map((d: { type: string }) => d.type)).toContain(type);
    expect(await eventsOf(c, t)).toEqual([]);
  });

  it('200,000 bad items: every problem listed (as pydantic does), in bounded time, then still working', async () => {
    const n = 200_000;
    const t0 = Date.now();
    const r = await post(c, '[' + '1,'.repeat(n - 1) + '1]');
    expect(r.status).toBe(422);
    expect(r.json.detail).toHaveLength(n);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // a 400 KB body gets a ~24 MB answer: an amplification the real API shares (pydantic lists
    // every error); the collector is local, so this is noted, not changed
    console.log(`collector.hostile: ${n} bad items, ${(2 * n) >> 10} KB in, ${r.text.length >> 20} MB out, ${Date.now() - t0} ms`);
    // what the inspector keeps of it is the first 100 issues and their count: a ring of 200
    // such batches kept whole would be ~80 GB (a million issues came to ~400 MB each, and the
    // collector died at the 22nd)
    const [kept] = (await send(c, 'GET', '/rejections')).json.slice(-1);
    expect(kept.detail).toEqual(r.json.detail.slice(0, 100));
    expect(kept.detail_truncated).toBe(n);
    await stillWorks(c);
  }, 20_000);
});

describe('prototype keys in a body are data, never prototypes', () => {
  it('__proto__, constructor and prototype in events are ignored or stored as data', async () => {
    const t = newTenant();
    const body =
      `[{"tenant":"${t}","market":"se","type":"click","__proto__":{"polluted":1},` +
      `"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1},` +
      `"entity_identifiers":{"__proto__":{"polluted":1},"sku":"s"}}]`;
    const r = await post(c, body);
    expect(r.status).toBe(200);
    const [e] = await eventsOf(c, t);
    expect(e._ignored).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.getOwnPropertyNames(e.entity_identifiers)).toEqual(['__proto__', 'sku']);
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
  });

  it('a tenant named __proto__ or constructor is just a tenant', async () => {
    for (const t of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await post(c, JSON.stringify([ev(t, { deduplication_id: 'p-' + tenants++ })]));
      expect(r.status).toBe(200);
      expect((await send(c, 'GET', `/stats?tenant=${t}`)).json.stored).toBeGreaterThan(0);
    }
    expect(({} as any).polluted).toBeUndefined();
  });

  it('fault options with a __proto__ key are refused, not merged', async () => {
    const r = await send(c, 'POST', '/__faults', '{"__proto__":{"status":503}}');
    expect(r.status).toBe(400);
    expect((await send(c, 'GET', '/__faults')).json.global).toBeNull();
    await stillWorks(c);
  });
});

describe('bytes that are not UTF-8: 400, nothing stored', () => {
  const t = newTenant();
  it.each([
    ['0xFF', [0xff]],
    ['an overlong slash (C0 AF)', [0xc0, 0xaf]],
    ['a surrogate encoded as UTF-8 (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a sequence cut short (E2 82)', [0xe2, 0x82]],
    ['a code point past U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
  ])('%s inside a string of a valid batch', async (_name, bytes) => {
    const [a, b] = batch(t).split('page_view');
    const r = await post(c, Buffer.concat([Buffer.from(a + 'page_view'), Buffer.from(bytes), Buffer.from(b)]));
    expect(r.status).toBe(400);
    expect(await eventsOf(c, t)).toEqual([]);
  });

  it('a lone surrogate as a JSON escape is valid JSON (Python takes it) and round-trips', async () => {
    const u = newTenant();
    const r = await post(c, `[{"tenant":"${u}","market":"se","type":"click","url":"a\\ud800b"}]`);
    expect(r.status).toBe(200);
    expect((await eventsOf(c, u))[0].url).toBe('a\ud800b');
  });
});

// ---- Slow and endless clients ----

// each test waits out the 1.5 s request timeout (checked every 1 s) or a 2-3.5 s timer of its
// own: vitest's default 5 s would leave as little as 1.5 s for a busy machine
describe('bodies that never end and slow clients are cut, and do not block others', { timeout: 15_000 }, () => {
  let slow: Collector;
  beforeAll(async () => {
    slow = await start({ requestTimeoutMs: 1500 });
  });

  const head = (length: number | 'chunked') =>
    `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    (length == 'chunked' ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${length}\r\n`) +
    '\r\n';

  it('the collector has a request timeout by default, far below Node\'s 5 minutes', () => {
    expect(c.server.requestTimeout).toBeGreaterThan(0);
    expect(c.server.requestTimeout).toBeLessThanOrEqual(30_000);
    expect(c.server.headersTimeout).toBeLessThanOrEqual(c.server.requestTimeout);
  });

  it('a Content-Length body that stops half way: 408 and closed, nothing stored, others served meanwhile', async () => {
    const t = newTenant();
    const body = batch(t);
    const stuck = rawClient(slow, head(body.length) + body.slice(0, body.length / 2));
    await sleep(200);
    await stillWorks(slow); // not blocked by the stuck one
    const r = await stuck;
    expect(r.timedOut).toBe(false);
    expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    expect(r.ms).toBeLessThan(4000);
    expect(await eventsOf(slow, t)).toEqual([]);
  });

  it('a chunked body without its last chunk: 408 and closed, nothing stored', async () => {
    const t = newTenant();
    const body = batch(t);
    const r = await rawClient(slow, head('chunked') + body.length.toString(16) + '\r\n' + body + '\r\n');
    expect(r.timedOut).toBe(false);
    expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    expect(await eventsOf(slow, t)).toEqual([]);
  });

  it('slowloris: 3 clients sending a valid batch one byte every 200 ms are all cut, nothing stored', async () => {
    const t = newTenant();
    const body = batch(t); // ~250 bytes: 50 s at this pace, were it let through
    const clients = Array.from({ length: 3 }, () => rawClient(slow, head(body.length), { drip: body, everyMs: 200 }));
    await sleep(300);
    await stillWorks(slow);
    const rs = await Promise.all(clients);
    for (const r of rs) {
      expect(r.timedOut).toBe(false);
      expect(r.closed).toBe(true);
      expect(r.dripped).toBeLessThan(body.length);
      expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    }
    expect(await eventsOf(slow, t)).toEqual([]);
  });

  it('slow headers, one byte every 200 ms: cut', async () => {
    const r = await rawClient(slow, 'P', { drip: head(10).slice(1) + '[]', everyMs: 200 });
    expect(r.timedOut).toBe(false);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^(HTTP\/1\.1 408|$)/);
    await stillWorks(slow);
  });

  it('a long-lived answer (GET /events/stream) outlives the timeout and still delivers', async () => {
    const t = newTenant();
    const got = await new Promise<{ status: number; text: string; open: boolean }>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: slow.port, path: `/events/stream?tenant=${t}`, agent: false }, (res) => {
        let text = '';
        let open = true;
        res.on('data', (d) => (text += d));
        res.on('close', () => (open = false));
        setTimeout(() => void post(slow, batch(t, 1)), 2500); // past the 1.5 s timeout
        setTimeout(() => {
          resolve({ status: res.statusCode ?? 0, text, open });
          req.destroy();
        }, 3500);
      });
      req.on('error', () => {});
      req.end();
    });
    expect(got.status).toBe(200);
    expect(got.open).toBe(true);
    expect(got.text).toContain(`"tenant":"${t}"`);
  });

  it('a delayed answer (a fault) is not cut: the timeout is for receiving the request only', async () => {
    const t = newTenant();
    await send(slow, 'POST', `/__faults?tenant=${t}`, JSON.stringify({ delayMs: 2000, count: 1 }));
    const r = await post(slow, batch(t, 1));
    expect(r.status).toBe(200);
    expect(await eventsOf(slow, t)).toHaveLength(1);
  });
});

// ---- Many bad requests at once ----

describe('many concurrent bad requests', () => {
  it('300 at once, of every kind: each a 4xx, none a 5xx, nothing stored, the server still works', async () => {
    const kinds: ((t: string) => string | Buffer)[] = [
      (t) => batch(t).slice(0, -3),
      (t) => JSON.stringify([ev(t), { ...ev(t), tenant: 1 }]),
      (t) => Buffer.concat([Buffer.from(batch(t).slice(0, 30)), Buffer.from([0xff]), Buffer.from(batch(t).slice(30))]),
      (t) => `[${JSON.stringify(ev(t))},${'['.repeat(5000)}${']'.repeat(5000)}]`,
      (t) => batch(t).slice(0, -1) + ',' + ' '.repeat(1024 * 1024) + ']',
      (t) => JSON.stringify([ev(t), ev(t, { type: 'nope' })]),
    ];
    const ts = Array.from({ length: 300 }, () => newTenant());
    const t0 = Date.now();
    const rs = await Promise.allSettled(ts.map((t, i) => post(c, kinds[i % kinds.length](t))));
    const statuses = rs.map((r) => (r.status == 'fulfilled' ? r.value.status : 'error: ' + (r.reason as Error).message));
    expect(statuses.filter((s) => !(typeof s == 'number' && s >= 400 && s < 500))).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([400, 413, 422]));
    expect(Date.now() - t0).toBeLessThan(20_000);
    const all: any[] = (await send(c, 'GET', '/events')).json;
    const bad = new Set(ts);
    expect(all.filter((e) => bad.has(e.tenant))).toEqual([]);
    await stillWorks(c);
  }, 30_000);
});
