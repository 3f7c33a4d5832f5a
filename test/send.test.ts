// Batching, Retry-After and the POST itself (src/send.ts), with a stubbed global fetch.
// post's Outcome: `true` delivered; a number, retry after that many ms (-1: back off); an
// array, the indices a 422 rejected; '', dropped (any other answer, with a warning). A 401 or
// 404 (a wrong key or endpoint) is a retry in a minute: the contract keeps events until a 2xx.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DepictEvent } from '../src/schema';

type Send = typeof import('../src/send');
let send: Send;

beforeEach(async () => {
  // a fresh module: `post` keeps the in-flight keepalive bytes in a module variable
  vi.resetModules();
  send = await import('../src/send');
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const ev = (i: number, extra: Partial<DepictEvent> = {}): DepictEvent => ({
  tenant: 't',
  market: 'm',
  type: 'click',
  deduplication_id: 'd' + i,
  ...extra,
});

/** An event whose JSON is exactly `len` characters. */
function sized(i: number, len: number): { e: DepictEvent } {
  const e = ev(i, { url: '' });
  e.url = 'x'.repeat(len - JSON.stringify(e).length);
  expect(JSON.stringify(e).length).toBe(len);
  return { e };
}

const body = (b: { e: DepictEvent }[]) => JSON.stringify(b.map((r) => r.e));
const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe('batches', () => {
  it('gives no batch for no events', () => {
    expect(send.batches([])).toEqual([]);
  });

  it('puts a few small events in one batch', () => {
    const recs = [0, 1, 2].map((i) => ({ e: ev(i), t: i }));
    expect(send.batches(recs)).toEqual([recs]);
  });

  it('splits at 50 events, keeping the order', () => {
    const recs = Array.from({ length: 120 }, (_, i) => ({ e: ev(i), t: i }));
    const out = send.batches(recs);
    expect(out.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(out.flat()).toEqual(recs);
    // the same objects, not copies
    expect(out[0][0]).toBe(recs[0]);
  });

  it('exactly 50 events make one batch, 51 two', () => {
    expect(send.batches(Array.from({ length: 50 }, (_, i) => ({ e: ev(i) }))).map((b) => b.length)).toEqual([50]);
    expect(send.batches(Array.from({ length: 51 }, (_, i) => ({ e: ev(i) }))).map((b) => b.length)).toEqual([50, 1]);
  });

  it(`splits at a quarter of QUOTA (${6e4 / 4}) characters, keeping the order`, () => {
    expect(send.QUOTA).toBe(60000);
    // 999 characters of JSON and a comma each: 15 fit in 15,000
    const recs = Array.from({ length: 40 }, (_, i) => sized(i, 999));
    const out = send.batches(recs);
    expect(out.map((b) => b.length)).toEqual([15, 15, 10]);
    expect(out.flat()).toEqual(recs);
    for (const b of out) expect(body(b).length).toBeLessThanOrEqual(send.QUOTA / 4 + 1); // + the closing bracket
    // and each batch is as full as it may be
    for (let i = 0; i + 1 < out.length; i++)
      expect(body([...out[i], out[i + 1][0]]).length).toBeGreaterThan(send.QUOTA / 4);
  });

  it('sends an event larger than the quarter quota in a batch of its own', () => {
    const recs = [sized(0, 100), sized(1, 20_000), sized(2, 100)];
    expect(send.batches(recs).map((b) => b.map((r) => r.e.deduplication_id))).toEqual([['d0'], ['d1'], ['d2']]);
  });

  it('uses both bounds together', () => {
    const recs = [
      ...Array.from({ length: 60 }, (_, i) => sized(i, 100)),
      ...Array.from({ length: 20 }, (_, i) => sized(100 + i, 5000)),
    ];
    const out = send.batches(recs);
    expect(out.flat()).toEqual(recs);
    for (const b of out) {
      expect(b.length).toBeLessThanOrEqual(50);
      expect(body(b).length).toBeLessThanOrEqual(send.QUOTA / 4 + 1);
    }
    // 10 small (1,010) + 2 big (10,002) fit; 3 big of 5,001 are 15,003, over
    expect(out.map((b) => b.length)).toEqual([50, 12, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  // BUG (src/send.ts batches and post): sizes are measured with `string.length`, in UTF-16
  // code units, but the keepalive quota (fetch spec: 64 KiB of in-flight keepalive bodies)
  // counts bytes of the UTF-8 body. Non-ASCII values (product ids, entity_identifiers,
  // click_location in Swedish, Japanese...) take 2–3 bytes a character, so a "quarter quota"
  // batch can hold up to 45,000 bytes, and `post` can start keepalive fetches whose bodies
  // add up to well over 64 KiB: the browser rejects those with a TypeError, which `post`
  // takes for a network error (retry). At page hide (where batches are all sent at once
  // with keepalive) those events are not delivered until the shopper comes back.
  it('BUG: batches stay under a quarter of QUOTA in UTF-8 bytes, not only in characters', () => {
    const recs = Array.from({ length: 40 }, (_, i) => ({ e: ev(i, { click_location: 'å'.repeat(900) }) }));
    for (const b of send.batches(recs)) expect(utf8(body(b))).toBeLessThanOrEqual(send.QUOTA / 4 + 1);
  });
});

describe('retryAfter', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');

  it('reads seconds', () => {
    expect(send.retryAfter('120', now)).toBe(120_000);
    expect(send.retryAfter('0', now)).toBe(0);
    expect(send.retryAfter('1.5', now)).toBe(1500);
    expect(send.retryAfter(' 3 ', now)).toBe(3000);
  });

  it('reads an HTTP date', () => {
    expect(send.retryAfter('Wed, 01 Jan 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(send.retryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
  });

  it('caps the wait at 10 minutes', () => {
    expect(send.retryAfter('99999', now)).toBe(600_000);
    expect(send.retryAfter('Thu, 01 Jan 2026 00:00:00 GMT', now)).toBe(600_000);
  });

  it('gives -1 (back off) without a usable header', () => {
    expect(send.retryAfter(null, now)).toBe(-1);
    expect(send.retryAfter('', now)).toBe(-1);
    expect(send.retryAfter('soon', now)).toBe(-1);
    expect(send.retryAfter('-5', now)).toBe(-1);
    expect(send.retryAfter('Wed, 32 Foo 2025', now)).toBe(-1);
  });

  it('a date in the past does not ask for a wait', () => {
    expect(send.retryAfter('Wed, 01 Jan 2025 11:00:00 GMT', now)).toBeLessThanOrEqual(0);
  });

  it('uses Date.now() by default', () => {
    expect(send.retryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(55_000);
  });
});

describe('post', () => {
  const URL_ = 'https://api.depict.ai/create-events?api_key=KEY';
  const events = [ev(0), ev(1), ev(2)];

  const reply = (status: number, json?: unknown, headers: Record<string, string> = {}) =>
    vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(json === undefined ? null : typeof json == 'string' ? json : JSON.stringify(json), {
        status,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    );

  it('POSTs the events as JSON, keepalive, without credentials', async () => {
    const fetch = reply(200, []);
    vi.stubGlobal('fetch', fetch);
    expect(await send.post(URL_, events)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(URL_);
    expect(init!.method).toBe('POST');
    expect(init!.body).toBe(JSON.stringify(events));
    expect(init!.keepalive).toBe(true);
    expect(init!.credentials).toBe('omit');
    expect(new Headers(init!.headers).get('content-type')).toBe('application/json');
  });

  it.each([200, 201, 202, 204])('%i is ok', async (status) => {
    vi.stubGlobal('fetch', reply(status));
    expect(await send.post(URL_, events)).toBe(true);
  });

  it.each([503, 500, 502, 504, 429, 408])('%i is a retry after the Retry-After seconds', async (status) => {
    vi.stubGlobal('fetch', reply(status, undefined, { 'retry-after': '7' }));
    expect(await send.post(URL_, events)).toBe(7000);
  });

  it('Retry-After: 0 is a retry now (0, a number, not `true`)', async () => {
    vi.stubGlobal('fetch', reply(503, undefined, { 'retry-after': '0' }));
    expect(await send.post(URL_, events)).toBe(0);
  });

  it.each([503, 429, 408])('%i without Retry-After is a retry with -1 (back off)', async (status) => {
    vi.stubGlobal('fetch', reply(status, { detail: 'busy' }));
    expect(await send.post(URL_, events)).toBe(-1);
  });

  it('a Retry-After date is read', async () => {
    vi.stubGlobal('fetch', reply(429, undefined, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }));
    const ms = await send.post(URL_, events);
    expect(typeof ms).toBe('number');
    expect(ms).toBeGreaterThan(25_000);
    expect(ms).toBeLessThanOrEqual(30_000);
  });

  it('a network error (TypeError) is a retry with -1, and no beacon', async () => {
    const sendBeacon = vi.fn(() => true);
    vi.stubGlobal('navigator', { sendBeacon });
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    expect(await send.post(URL_, events)).toBe(-1);
    expect(sendBeacon).not.toHaveBeenCalled();
  });

  it('a fetch that is broken in another way falls back to sendBeacon with a JSON blob', async () => {
    const sendBeacon = vi.fn((_u: string, _b?: BodyInit | null) => true);
    vi.stubGlobal('navigator', { sendBeacon });
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new Error('fetch is not a function (a bad polyfill)'))));
    expect(await send.post(URL_, events)).toBe(true);
    expect(sendBeacon).toHaveBeenCalledTimes(1);
    const [url, blob] = sendBeacon.mock.calls[0];
    expect(url).toBe(URL_);
    expect(blob).toBeInstanceOf(Blob);
    expect((blob as Blob).type).toBe('application/json');
    expect(await (blob as Blob).text()).toBe(JSON.stringify(events));
  });

  it("a TypeError thrown before fetch returns (a page's wrapper that expects its own Headers objects; fetch itself never throws) falls back to sendBeacon", async () => {
    const sendBeacon = vi.fn(() => true);
    vi.stubGlobal('navigator', { sendBeacon });
    vi.stubGlobal(
      'fetch',
      vi.fn((_u: string, init: any) => init.headers.forEach(() => {})),
    );
    expect(await send.post(URL_, events)).toBe(true);
    expect(sendBeacon).toHaveBeenCalledTimes(1);
  });

  /** post's outcome, which must come 15 s after it began (fake timers), not a second earlier. */
  async function after15s() {
    vi.useFakeTimers();
    try {
      const out = send.post(URL_, events);
      let done = false;
      out.then(() => (done = true));
      await vi.advanceTimersByTimeAsync(14_000);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      return await out;
    } finally {
      vi.useRealTimers();
    }
  }

  it('no answer in 15 s (a hung connection, a wrapper that never settles) is a retry with -1, and no beacon', async () => {
    const sendBeacon = vi.fn(() => true);
    vi.stubGlobal('navigator', { sendBeacon });
    vi.stubGlobal('fetch', vi.fn(() => new Promise(() => {})));
    expect(await after15s()).toBe(-1);
    expect(sendBeacon).not.toHaveBeenCalled();
  });

  it('a refused beacon is a retry', async () => {
    vi.stubGlobal('navigator', { sendBeacon: vi.fn(() => false) });
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new Error('broken'))));
    expect(await send.post(URL_, events)).toBe(-1);
  });

  it('a 422 naming events gives their indices, once each, in order', async () => {
    const detail = {
      detail: [
        { loc: ['body', 2, 'tenant'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 0, 'variant_ids', 1], msg: 'Input should be a valid string', type: 'string_type' },
        { loc: ['body', 2, 'market'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 0, 'entity_price'], msg: 'Input should be a valid string', type: 'string_type' },
        { loc: ['body', 7, 'url'], msg: 'out of range', type: 'string_type' },
        { loc: ['body', -1], msg: 'odd', type: 'x' },
        { loc: ['body', '1', 'url'], msg: 'a string index', type: 'x' },
      ],
    };
    vi.stubGlobal('fetch', reply(422, detail));
    expect(await send.post(URL_, events)).toEqual([0, 2]);
  });

  it('a 422 on an item itself (["body", i]) rejects it', async () => {
    const detail = { detail: [{ loc: ['body', 1], msg: 'Input should be a valid dictionary', type: 'model_attributes_type' }] };
    vi.stubGlobal('fetch', reply(422, detail));
    expect(await send.post(URL_, events)).toEqual([1]);
  });

  /** post's outcome, and what it warned. */
  async function refused() {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const out = await send.post(URL_, events);
    const said = warn.mock.calls.map((c) => c[0]);
    // each warning holds the events it is about
    for (const c of warn.mock.calls) expect(c[1]).toEqual(events);
    warn.mockRestore();
    return { out, said };
  }

  it('a 422 on the api key only names no event: dropped, with a warning that says why', async () => {
    vi.stubGlobal('fetch', reply(422, { detail: [{ loc: ['query', 'api_key'], msg: 'Field required', type: 'missing' }] }));
    const { out, said } = await refused();
    expect(out).toBe('');
    expect(said).toEqual([expect.stringMatching(/^\[depict\] the API answered 422 .*api_key.*; the events are dropped$/)]);
  });

  it('a 422 whose detail holds a non-object is read, not thrown on', async () => {
    vi.stubGlobal('fetch', reply(422, { detail: [null, 7, { loc: ['body', 1] }] }));
    expect(await send.post(URL_, events)).toEqual([1]);
    vi.stubGlobal('fetch', reply(422, { detail: [null] }));
    expect((await refused()).out).toBe('');
  });

  it('a 422 on the whole body (["body"]), without a JSON body, or without detail names no event: dropped', async () => {
    for (const body of [{ detail: [{ loc: ['body'], msg: 'Input should be a valid list', type: 'list_type' }] }, '<html>nope</html>', { error: 'x' }, { detail: 'a string' }]) {
      vi.stubGlobal('fetch', reply(422, body));
      expect((await refused()).out).toBe('');
    }
  });

  it.each([401, 404])('%i (a wrong key or endpoint: every batch fails alike) keeps the batch: tried again in a minute, with a warning', async (status) => {
    vi.stubGlobal('fetch', reply(status, { detail: 'Invalid API key' }));
    const { out, said } = await refused();
    expect(out).toBe(60_000);
    expect(said).toEqual([expect.stringMatching(new RegExp(`^\\[depict\\] the API answered ${status} .*; the events are kept$`))]);
  });

  it.each([400, 403, 405, 413])('%i (maybe the batch\'s own doing) drops it, even with body locs, with a warning that gives the status', async (status) => {
    vi.stubGlobal('fetch', reply(status, { detail: [{ loc: ['body', 0, 'tenant'] }] }));
    const { out, said } = await refused();
    expect(out).toBe('');
    expect(said).toEqual([expect.stringMatching(new RegExp(`^\\[depict\\] the API answered ${status} .*; the events are dropped$`))]);
  });

  it.each([[400, ''], [401, 60_000], [422, '']])(
    "a %i whose body stops coming (a proxy that hangs mid-answer) is given up on within the 15 s, as one that cannot be read: %j",
    async (status, outcome) => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      // the status and the body's first bytes, then nothing
      const stalled = new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"detail":')) });
      vi.stubGlobal('fetch', vi.fn(async () => new Response(stalled, { status })));
      expect(await after15s()).toBe(outcome);
    },
  );

  describe('keepalive quota', () => {
    /** A fetch whose answers wait until `release()`. */
    function heldFetch() {
      const waiting: (() => void)[] = [];
      const fetch = vi.fn(
        (_url: string, _init?: RequestInit) =>
          new Promise<Response>((resolve) => waiting.push(() => resolve(new Response(null, { status: 200 })))),
      );
      return { fetch, release: () => waiting.splice(0).forEach((f) => f()) };
    }

    const big = (i: number, chars: number) => [ev(i, { url: 'x'.repeat(chars) })];

    it('a body over QUOTA is sent without keepalive', async () => {
      const fetch = reply(200);
      vi.stubGlobal('fetch', fetch);
      await send.post(URL_, big(0, 61_000));
      expect(fetch.mock.calls[0][1]!.keepalive).toBe(false);
    });

    it('a body that would take in-flight keepalive bytes over QUOTA is sent without keepalive', async () => {
      const { fetch, release } = heldFetch();
      vi.stubGlobal('fetch', fetch);
      const a = send.post(URL_, big(0, 40_000));
      const b = send.post(URL_, big(1, 40_000));
      const c = send.post(URL_, big(2, 10_000)); // 40k + 10k still fits
      await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));
      expect(fetch.mock.calls.map((call) => call[1]!.keepalive)).toEqual([true, false, true]);
      release();
      expect(await Promise.all([a, b, c])).toEqual([true, true, true]);
      // all answered: the quota is free again
      const d = send.post(URL_, big(3, 40_000));
      await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(4));
      expect(fetch.mock.calls[3][1]!.keepalive).toBe(true);
      release();
      await d;
    });

    it('a request given up on after 15 s keeps its keepalive bytes until it settles (the browser still holds it)', async () => {
      vi.useFakeTimers();
      try {
        const { fetch, release } = heldFetch();
        vi.stubGlobal('fetch', fetch);
        const hung = send.post(URL_, big(0, 40_000));
        await vi.advanceTimersByTimeAsync(15_000);
        expect(await hung).toBe(-1);
        // still held by the browser: a second 40k body would go over the quota with keepalive
        const b = send.post(URL_, big(1, 40_000));
        await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
        expect(fetch.mock.calls[1][1]!.keepalive).toBe(false);
        release();
        expect(await b).toBe(true);
        // settled now: the quota is free again
        const c = send.post(URL_, big(2, 40_000));
        await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));
        expect(fetch.mock.calls[2][1]!.keepalive).toBe(true);
        release();
        await c;
      } finally {
        vi.useRealTimers();
      }
    });

    it('a failed fetch gives its keepalive bytes back', async () => {
      vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('offline'))));
      for (let i = 0; i < 5; i++) await send.post(URL_, big(i, 40_000));
      const fetch = reply(200);
      vi.stubGlobal('fetch', fetch);
      await send.post(URL_, big(9, 40_000));
      expect(fetch.mock.calls[0][1]!.keepalive).toBe(true);
    });

    it('a non-ok answer gives its keepalive bytes back', async () => {
      vi.stubGlobal('fetch', reply(500));
      for (let i = 0; i < 5; i++) await send.post(URL_, big(i, 40_000));
      const fetch = reply(200);
      vi.stubGlobal('fetch', fetch);
      await send.post(URL_, big(9, 40_000));
      expect(fetch.mock.calls[0][1]!.keepalive).toBe(true);
    });

    // BUG (src/send.ts post): the in-flight keepalive total counts characters, not UTF-8
    // bytes (see the batches test above). Two 25,000-character bodies of 'é' are 100,000
    // bytes in flight, over the browser's 64 KiB, yet both go out with keepalive.
    it('BUG: counts UTF-8 bytes against the keepalive quota', async () => {
      const { fetch, release } = heldFetch();
      vi.stubGlobal('fetch', fetch);
      const a = send.post(URL_, [ev(0, { click_location: 'é'.repeat(25_000) })]);
      const b = send.post(URL_, [ev(1, { click_location: 'é'.repeat(25_000) })]);
      await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
      release();
      await Promise.all([a, b]);
      const kept = fetch.mock.calls.filter((call) => call[1]!.keepalive).map((call) => utf8(call[1]!.body as string));
      expect(kept.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(send.QUOTA);
    });
  });
});
