// @vitest-environment happy-dom
// parseConfig, sendUrl and stripUrl (src/config.ts): the script tag's dataset, with
// `window.depictConfig` laid over it (the second argument).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseConfig, sendUrl, stripUrl, type Config } from '../src/config';

const REQUIRED = { tenant: 'acme', market: 'se', apiKey: 'KEY' };

const ok = (raw: Record<string, unknown>): Config => {
  const c = parseConfig(raw);
  if (Array.isArray(c)) throw new Error('expected a config, got missing ' + c);
  return c;
};

describe('parseConfig: required settings', () => {
  it('returns the config when tenant, market and apiKey are set', () => {
    const c = ok(REQUIRED);
    expect(c.tenant).toBe('acme');
    expect(c.market).toBe('se');
    expect(c.apiKey).toBe('KEY');
  });

  it('returns the missing attribute names, as the script tag spells them', () => {
    expect(parseConfig({})).toEqual(['data-tenant', 'data-market', 'data-api-key']);
    expect(parseConfig({ tenant: 'acme' })).toEqual(['data-market', 'data-api-key']);
    expect(parseConfig({ tenant: 'acme', market: 'se' })).toEqual(['data-api-key']);
    expect(parseConfig({ market: 'se', apiKey: 'K' })).toEqual(['data-tenant']);
  });

  it('counts empty, null and undefined values as missing', () => {
    expect(parseConfig({ tenant: '', market: null, apiKey: undefined })).toEqual([
      'data-tenant',
      'data-market',
      'data-api-key',
    ]);
  });

  it('does not take `api-key` or `api_key` for apiKey (the dataset camel-cases data-api-key)', () => {
    expect(parseConfig({ tenant: 'a', market: 'b', api_key: 'K' })).toEqual(['data-api-key']);
  });
});

describe('parseConfig: defaults', () => {
  it('fills every optional setting from DEFAULTS', () => {
    const c = ok(REQUIRED);
    expect(c.endpoint).toBe('https://api.depict.ai/create-events');
    expect(c.consent).toBe('granted');
    expect(c.debug).toBe(false);
    expect(c.capture).toEqual([
      'page_view',
      'click',
      'add_to_cart',
      'purchase',
      'element_visible',
      'recommendations_inserted',
    ]);
    expect(c.sessionMinutes).toBe(30);
    expect(c.attributionHours).toBe(24);
    expect(c.batchMs).toBe(500);
    expect(c.privacySignals).toEqual(['gpc']);
    expect(c.stripParams).toEqual(DEFAULTS.stripParams);
    expect(c.stripParams).toContain('email');
    expect(c.stripParams).toContain('key');
  });

  it('lets given values override defaults; null and undefined do not', () => {
    const c = ok({ ...REQUIRED, endpoint: 'http://localhost:8787/create-events', consent: 'pending' });
    expect(c.endpoint).toBe('http://localhost:8787/create-events');
    expect(c.consent).toBe('pending');
    const d = ok({ ...REQUIRED, endpoint: null, consent: undefined });
    expect(d.endpoint).toBe(DEFAULTS.endpoint);
    expect(d.consent).toBe('granted');
  });

  it('does not modify DEFAULTS or its input', () => {
    const before = JSON.stringify(DEFAULTS);
    const raw = { ...REQUIRED, capture: 'click' };
    ok(raw);
    expect(JSON.stringify(DEFAULTS)).toBe(before);
    expect(raw).toEqual({ ...REQUIRED, capture: 'click' });
  });
});

describe('parseConfig: lists', () => {
  it('splits strings on spaces and commas, lower-cased', () => {
    expect(ok({ ...REQUIRED, capture: 'page_view click' }).capture).toEqual(['page_view', 'click']);
    expect(ok({ ...REQUIRED, capture: 'page_view,click' }).capture).toEqual(['page_view', 'click']);
    expect(ok({ ...REQUIRED, capture: 'Page_View,  CLICK' }).capture).toEqual(['page_view', 'click']);
    expect(ok({ ...REQUIRED, stripParams: 'Email,TOKEN foo' }).stripParams).toEqual(['email', 'token', 'foo']);
    expect(ok({ ...REQUIRED, privacySignals: 'gpc dnt' }).privacySignals).toEqual(['gpc', 'dnt']);
    expect(ok({ ...REQUIRED, privacySignals: 'none' }).privacySignals).toEqual(['none']);
  });

  it('takes arrays (from window.depictConfig)', () => {
    expect(ok({ ...REQUIRED, capture: ['click', 'Purchase'] }).capture).toEqual(['click', 'purchase']);
    expect(ok({ ...REQUIRED, stripParams: ['utm_source'] }).stripParams).toEqual(['utm_source']);
    expect(ok({ ...REQUIRED, privacySignals: ['gpc', 'dnt'] }).privacySignals).toEqual(['gpc', 'dnt']);
  });

  it('an empty list turns every auto-capture off', () => {
    const c = ok({ ...REQUIRED, capture: [] });
    for (const t of ['page_view', 'click', 'add_to_cart', 'element_visible', 'recommendations_inserted', 'purchase'])
      expect(c.capture.includes(t)).toBe(false);
  });
});

describe('parseConfig: numbers', () => {
  it('parses numeric strings and numbers', () => {
    const c = ok({ ...REQUIRED, sessionMinutes: '45', attributionHours: 48, batchMs: '0' });
    expect(c.sessionMinutes).toBe(45);
    expect(c.attributionHours).toBe(48);
    expect(c.batchMs).toBe(0);
    expect(ok({ ...REQUIRED, attributionHours: '0.5' }).attributionHours).toBe(0.5);
  });

  it('falls back to the default for negative or non-numeric values', () => {
    const c = ok({ ...REQUIRED, sessionMinutes: '-1', attributionHours: 'abc', batchMs: NaN });
    expect(c.sessionMinutes).toBe(30);
    expect(c.attributionHours).toBe(24);
    expect(c.batchMs).toBe(500);
    expect(ok({ ...REQUIRED, sessionMinutes: {} }).sessionMinutes).toBe(30);
  });

  // `+'' >= 0` is true: an empty value (a bare `data-session-minutes` attribute, or an empty
  // tag-manager variable in depictConfig) must not become 0, since sessionMinutes 0 starts a
  // new session on every event and attributionHours 0 turns attribution off
  it('an empty or blank numeric value falls back to the default, not 0', () => {
    const c = ok({ ...REQUIRED, sessionMinutes: '', attributionHours: ' ', batchMs: [] });
    expect(c.sessionMinutes).toBe(30);
    expect(c.attributionHours).toBe(24);
    expect(c.batchMs).toBe(500);
  });

  it('Infinity, exponents and lists of numbers fall back to the default; spaces around a number are fine', () => {
    const c = ok({ ...REQUIRED, sessionMinutes: 'Infinity', attributionHours: '1e999', batchMs: '1.2.3' });
    expect(c.sessionMinutes).toBe(30);
    expect(c.attributionHours).toBe(24);
    expect(c.batchMs).toBe(500);
    expect(ok({ ...REQUIRED, sessionMinutes: ' 45 ' }).sessionMinutes).toBe(45);
  });
});

describe('parseConfig: window.depictConfig over the tag', () => {
  it('wins over the tag', () => {
    const c = parseConfig({ ...REQUIRED, consent: 'pending', batchMs: '100' }, { consent: 'granted', tenant: 'other' }) as Config;
    expect([c.consent, c.tenant, c.batchMs]).toEqual(['granted', 'other', 100]);
  });
  it('null or undefined there leaves the tag in force: data-consent="pending" stays pending', () => {
    for (const v of [undefined, null]) {
      const c = parseConfig({ ...REQUIRED, consent: 'pending', debug: '' }, { consent: v, debug: v }) as Config;
      expect([c.consent, c.debug]).toEqual(['pending', true]);
    }
    expect(parseConfig({ market: 'se', apiKey: 'K', tenant: 'acme' }, { tenant: undefined })).not.toBeInstanceOf(Array);
  });
  it('supplies what the tag lacks', () => {
    expect((parseConfig({ tenant: 'acme' }, { market: 'se', apiKey: 'K' }) as Config).apiKey).toBe('K');
  });
});

describe('parseConfig: debug', () => {
  it('is off by default', () => {
    expect(ok(REQUIRED).debug).toBe(false);
  });
  it("is on for a bare attribute (dataset value '')", () => {
    expect(ok({ ...REQUIRED, debug: '' }).debug).toBe(true);
  });
  it("is on for 'true' and true", () => {
    expect(ok({ ...REQUIRED, debug: 'true' }).debug).toBe(true);
    expect(ok({ ...REQUIRED, debug: true }).debug).toBe(true);
  });
  it("is off for 'false', '0', 'off', 'no' (any case) and false", () => {
    for (const v of ['false', '0', 'off', 'no', 'OFF', 'No']) expect(ok({ ...REQUIRED, debug: v }).debug).toBe(false);
    expect(ok({ ...REQUIRED, debug: false }).debug).toBe(false);
  });
  it('is off for null and undefined (not given)', () => {
    expect(ok({ ...REQUIRED, debug: null }).debug).toBe(false);
    expect(ok({ ...REQUIRED, debug: undefined }).debug).toBe(false);
  });
});

describe('sendUrl', () => {
  const cfg = (endpoint: string, apiKey = 'KEY') => ok({ ...REQUIRED, endpoint, apiKey });

  it("adds ?api_key= to an endpoint without a query", () => {
    expect(sendUrl(cfg('https://api.depict.ai/create-events'))).toBe(
      'https://api.depict.ai/create-events?api_key=KEY',
    );
  });

  it('a blank endpoint (a theme setting printed empty) is the default one, not the page: the events and the key would go to the shop', () => {
    expect(sendUrl(cfg(''))).toBe('https://api.depict.ai/create-events?api_key=KEY');
  });

  it("adds &api_key= to an endpoint that has a query", () => {
    expect(sendUrl(cfg('http://localhost:8787/create-events?x=1'))).toBe(
      'http://localhost:8787/create-events?x=1&api_key=KEY',
    );
  });

  it('percent-encodes the key', () => {
    const url = sendUrl(cfg('https://api.depict.ai/create-events', 'a b&c=d/é+?#'));
    expect(url).toBe('https://api.depict.ai/create-events?api_key=a%20b%26c%3Dd%2F%C3%A9%2B%3F%23');
    expect(new URL(url).searchParams.get('api_key')).toBe('a b&c=d/é+?#');
    expect([...new URL(url).searchParams.keys()]).toEqual(['api_key']);
  });

  it('uses the default endpoint', () => {
    expect(sendUrl(ok(REQUIRED))).toBe('https://api.depict.ai/create-events?api_key=KEY');
  });
});

describe('stripUrl', () => {
  it('never leaves a listed parameter in the query, whatever the URL (property; the fast path included)', () => {
    const strip = ['email', 'token', 'code'];
    const name = fc.constantFrom('email', 'EMail', 'token', '%74oken', 'code', 'zipcode', 'utm_source', 'q', 'a+b', 'tok%65n');
    const value = fc.constantFrom('', 'x', 'a%20b', 'secret', '1=2');
    const param = fc.tuple(name, fc.option(value, { nil: undefined })).map(([n, v]) => (v === undefined ? n : `${n}=${v}`));
    fc.assert(
      fc.property(fc.array(param, { maxLength: 4 }), fc.constantFrom('', '#top', '#/r?token=t', '#a=1'), (params, hash) => {
        const url = `https://shop.example/p${params.length ? '?' + params.join('&') : ''}${hash}`;
        const out = new URL(stripUrl(url, strip));
        for (const k of out.searchParams.keys()) expect(strip).not.toContain(k.toLowerCase());
        // what is kept is kept as it was
        const kept = (u: URL) => [...u.searchParams].filter(([k]) => !strip.includes(k.toLowerCase()));
        expect(kept(out)).toEqual(kept(new URL(url)));
      }),
      { numRuns: 1_000 },
    );
  });

  const strip = ok(REQUIRED).stripParams;

  it('removes listed parameters, keeps the others and their order', () => {
    expect(stripUrl('https://shop.example/p?a=1&email=x%40y.z&b=2&token=t', strip)).toBe(
      'https://shop.example/p?a=1&b=2',
    );
  });

  it('matches parameter names case-insensitively', () => {
    expect(stripUrl('https://shop.example/?EMAIL=x&Token=t&Keep=K', strip)).toBe('https://shop.example/?Keep=K');
  });

  it('removes every occurrence of a repeated parameter', () => {
    expect(stripUrl('https://shop.example/?email=a&q=1&email=b', strip)).toBe('https://shop.example/?q=1');
  });

  it('drops the ? when nothing is left', () => {
    expect(stripUrl('https://shop.example/p?email=x', strip)).toBe('https://shop.example/p');
  });

  it('keeps the hash', () => {
    expect(stripUrl('https://shop.example/p?email=x&q=shoes#reviews', strip)).toBe(
      'https://shop.example/p?q=shoes#reviews',
    );
    expect(stripUrl('https://shop.example/p?email=x#top', strip)).toBe('https://shop.example/p#top');
  });

  it('returns the URL untouched when nothing is removed', () => {
    const odd = 'https://shop.example/p?q=a%20b&x=%7e#h';
    expect(stripUrl(odd, strip)).toBe(odd);
    expect(stripUrl('https://shop.example/', strip)).toBe('https://shop.example/');
    expect(stripUrl('/relative?q=1', strip)).toBe('/relative?q=1');
  });

  it('resolves a relative URL against the page when it removes something', () => {
    expect(stripUrl('/p?email=x&q=1', strip)).toBe(new URL('/p?q=1', location.href).href);
  });

  it('removes parameters a word of whose name is listed (snake_case, kebab-case, brackets, camelCase), not those that only contain one', () => {
    expect(
      stripUrl(
        'https://shop.example/?reset_password_token=a&customer[email]=b&client-secret=c&resetToken=d&CUSTOMER_EMAIL=e&api_key=f&mytoken=2&keyword=3&hotel=4&q=5',
        strip,
      ),
    ).toBe('https://shop.example/?mytoken=2&keyword=3&hotel=4&q=5');
  });

  it("removes WooCommerce's and Shopify's order page key (?key=)", () => {
    expect(stripUrl('https://shop.example/checkout/order-received/1234/?key=wc_order_abc123', strip)).toBe(
      'https://shop.example/checkout/order-received/1234/',
    );
  });

  it('removes a parameter whose value is an e-mail address, whatever its name, escaped or not', () => {
    expect(stripUrl('https://shop.example/?utm_term=jane@doe.com&c=jane%40doe.se&handle=@jane&q=1', strip)).toBe(
      'https://shop.example/?handle=%40jane&q=1',
    );
  });

  it('removes an e-mail address in an escaped URL inside a parameter (a login page\'s return URL), and one that is a bare name (a form sent by GET)', () => {
    const login = 'https://shop.example/account/login?return_url=%2Faccount%2Fregister%3Femail%3Djane.doe%2540gmail.com&x=1';
    expect(stripUrl(login, ['token'])).toBe('https://shop.example/account/login?x=1');
    expect(stripUrl('https://shop.example/subscribe?jane.doe%40gmail.com&list=1', strip)).toBe('https://shop.example/subscribe?list=1');
    expect(stripUrl('https://shop.example/subscribe?jane@doe.com', strip)).toBe('https://shop.example/subscribe');
  });

  it('redacts tokens (32+ letters and digits, digits among them) in the path, the query and the fragment', () => {
    expect(stripUrl('https://shop.example/5678901234/orders/b1946ac92492d2347c6235b4d2611184', strip)).toBe(
      'https://shop.example/5678901234/orders/redacted',
    );
    expect(stripUrl('https://shop.example/account/reset/6912345678901/2a8f4b3b7e7e8d2c9f0b1a3c5d7e9f1a-1733051234', strip)).toBe(
      'https://shop.example/account/reset/6912345678901/redacted-1733051234',
    );
    expect(stripUrl('https://shop.example/p?gclid=Cj0KCQiA5rGuBhCnARIsAN11vgR7xZaBcDeFgHiJ&q=1#s=AbCdEfGhIjKlMnOp12345qRsTuVwXyZ0123', strip)).toBe(
      'https://shop.example/p?gclid=redacted&q=1#s=redacted',
    );
  });

  it('redacts a token after an escape, and keeps the escape (a login redirect to the checkout: ?checkout_url=%2Fcheckouts%2Fcn%2F<token>)', () => {
    const out = stripUrl('https://shop.example/account/login?checkout_url=%2Fcheckouts%2Fcn%2FZ2NwLWV1cm9wZS13ZXN0NDowMUhYRk1OQ0Q4', strip);
    expect(out).toBe('https://shop.example/account/login?checkout_url=%2Fcheckouts%2Fcn%2Fredacted');
    expect(decodeURIComponent(out)).toContain('/checkouts/cn/redacted');
  });

  it('keeps product handles, long words and ids (UUIDs, MongoDB ObjectIds, ULIDs): no token', () => {
    const keep = [
      'https://shop.example/products/t-shirt-2024-summer-collection-blue-xl',
      'https://shop.example/products/damenwinterstiefeletten?variant=44812345678901',
      'https://shop.example/products/8234567890123/b5f8c2d0-4e1a-4c3b-9f7e-2a1b3c4d5e6f',
      'https://shop.example/product/64b7f0c2e1a9b3d4c5e6f7a8',
      'https://shop.example/store/products/prod_01HXYZ8K3M4N5P6Q7R8S9T0VWX',
    ];
    for (const url of keep) expect(stripUrl(url, strip)).toBe(url);
  });

  it('leaves invalid URLs alone and does not throw', () => {
    expect(stripUrl('http://[::1', strip)).toBe('http://[::1');
    expect(stripUrl('http://exa mple.com/?email=x', strip)).toBe('http://exa mple.com/?email=x');
    expect(stripUrl('', strip)).toBe('');
  });

  it('strips nothing with an empty list', () => {
    expect(stripUrl('https://shop.example/?email=x', [])).toBe('https://shop.example/?email=x');
  });

  // SUSPECTED BUG / privacy gap (src/config.ts stripUrl): only the query is stripped; the
  // fragment is kept as is. The default list names access_token and id_token, which the
  // OAuth 2 implicit flow (and many SPA routers, `#/reset?token=`) put in the fragment, so
  // they are sent to Depict in `url` / `document_referrer`.
  it('BUG: removes listed parameters from the fragment too (#access_token=…)', () => {
    expect(stripUrl('https://shop.example/callback#access_token=SECRET&state=1', strip)).not.toContain('SECRET');
  });
});
