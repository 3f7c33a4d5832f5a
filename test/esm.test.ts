// @vitest-environment happy-dom
// The ES module for bundlers (src/esm.ts): init, the calls kept before it and replayed, the
// global it adds only when asked, and its published declarations. happy-dom for the page,
// fake-indexeddb for the queue, a stubbed fetch for the API.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Esm = typeof import('../src/esm');
let depict: Esm;
let tenant: string;
let sends: { url: string; init: RequestInit; events: Record<string, unknown>[] }[];
let n = 0;

const ENDPOINT = 'https://collector.test/create-events';

beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory();
  // a fresh module graph: the module keeps whether init ran, and what was called before
  vi.resetModules();
  depict = await import('../src/esm');
  tenant = `esm-${++n}`;
  sends = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const events = JSON.parse(String(init.body));
      // trackers of earlier tests still live in this window: keep this test's sends only
      if (events[0]?.tenant == tenant) sends.push({ url, init, events });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
  delete (window as { depict?: unknown }).depict;
  // where the tracker of an earlier test's module is kept
  delete (window as unknown as Record<symbol, unknown>)[Symbol.for('depict')];
});

afterEach(async () => {
  // let this test's tracker run its first timer while this test's IndexedDB is the global
  // one: a tracker that opened the next test's database would share its queue, as two tabs do
  await new Promise((r) => setTimeout(r, 50));
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const config = (extra: object = {}) => ({ tenant, market: 'se', apiKey: 'k 1', endpoint: ENDPOINT, capture: '', batchMs: 0, ...extra });
const sent = () => sends.flatMap((s) => s.events);

describe('init and track', () => {
  it('sends a tracked event with the common fields, the converted ones, to the endpoint with the key', async () => {
    depict.init(config());
    depict.track('add_to_cart', { product_id: 'p-1001', entity_price: 499, variant_ids: 'p-1001-m, p-1001-l' });
    await depict.flush();
    await vi.waitFor(() => expect(sent()).toHaveLength(1));
    const [s] = sends;
    expect(s.url).toBe(`${ENDPOINT}?api_key=k%201`);
    expect(s.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' } });
    const [e] = s.events;
    expect(e).toMatchObject({
      tenant,
      market: 'se',
      type: 'add_to_cart',
      product_id: 'p-1001',
      entity_price: '499',
      variant_ids: ['p-1001-m', 'p-1001-l'],
      url: location.href,
      document_width: String(innerWidth),
    });
    expect(e.deduplication_id).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(typeof e.session_id).toBe('string');
  });

  it('keeps the calls made before init, and replays them in order when init starts', async () => {
    depict.set({ user_id: 'customer-42' });
    depict.track('click', { product_id: 'p-2', recommendation_id: 'rec-1' });
    depict.purchase({ transaction_id: 'T-1', currency: 'sek', items: [{ product_id: 'p-2', price: 299 }] });
    const flushed = depict.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch).not.toHaveBeenCalled();

    depict.init(config());
    await flushed;
    await vi.waitFor(() => expect(sent()).toHaveLength(2));
    expect(sent()).toMatchObject([
      { type: 'click', product_id: 'p-2', recommendation_id: 'rec-1', user_id: 'customer-42' },
      {
        type: 'purchase',
        product_id: 'p-2',
        entity_price: '299',
        currency: 'SEK',
        user_id: 'customer-42',
        // the click before it is attributed, as with the script tag
        recommendation_id: 'rec-1',
        attribution_id: 'recommendation',
        deduplication_id: `${tenant}:se:T-1:0:p-2`,
      },
    ]);
  });

  it('a purchase of cart lines as the shop has them (numeric variant ids, a comma list, a quantity): sent as the API takes them', async () => {
    depict.init(config());
    depict.purchase({
      transaction_id: 1001,
      currency: 'SEK',
      items: [
        { product_id: 'p-1', price: '499.00', variant_ids: [44012345], quantity: 2, name: 'Dress' },
        { product_id: 'p-2', price: 299, variant_ids: 'p-2-m, p-2-l' },
      ],
    });
    await depict.flush();
    await vi.waitFor(() => expect(sent()).toHaveLength(2));
    expect(sent().map(({ product_id, entity_price, variant_ids, quantity, name }) => ({ product_id, entity_price, variant_ids, quantity, name }))).toEqual([
      { product_id: 'p-1', entity_price: '499.00', variant_ids: ['44012345'], quantity: undefined, name: undefined },
      { product_id: 'p-2', entity_price: '299', variant_ids: ['p-2-m', 'p-2-l'], quantity: undefined, name: undefined },
    ]);
  });

  it('sends the automatic page view when page_view capture is on', async () => {
    depict.init(config({ capture: 'page_view' }));
    await vi.waitFor(() => expect(sent().map((e) => e.type)).toEqual(['page_view']));
  });

  it('is safe with bad calls: one warning each, no throw, nothing sent', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    depict.init(config());
    expect(() => depict.track('nonsense' as never)).not.toThrow();
    expect(() => depict.track('click', 'fields' as never)).not.toThrow();
    expect(() => depict.purchase(null as never)).not.toThrow();
    await depict.flush();
    expect(sent()).toEqual([]);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('nonsense'),
      expect.stringContaining('must be an object'),
      expect.stringContaining('purchase() not sent'),
    ]);
  });
});

describe('init, once', () => {
  it('does nothing on a second call with the same config, and warns on another config; the first stays', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    depict.init(config());
    depict.init(config());
    expect(warn).not.toHaveBeenCalled();
    depict.init({ ...config(), market: 'no' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('another config');
    depict.track('page_view');
    await depict.flush();
    await vi.waitFor(() => expect(sent()).toMatchObject([{ type: 'page_view', market: 'se' }]));
  });

  it('a config without the required fields is one error naming them; a later init still starts', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    depict.track('page_view');
    depict.init({ tenant, market: 'se' } as never);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0][0])).toContain('init() needs apiKey');
    depict.init(config());
    await depict.flush();
    await vi.waitFor(() => expect(sent()).toMatchObject([{ type: 'page_view' }]));
  });

  it("after an init that started nothing (an unset environment variable for its key), await flush() does not wait for ever: a shop's 'flush, then go to checkout' still goes", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const state = (p: Promise<void>) => Promise.race([p.then(() => 'resolved'), new Promise((r) => setTimeout(r, 100, 'waiting'))]);
    depict.track('page_view');
    const before = depict.flush();
    depict.init({ tenant, market: 'se', apiKey: undefined } as never);
    expect(await state(before)).toBe('resolved');
    expect(await state(depict.flush())).toBe('resolved');
    // what was called is still kept: a later init starts and sends it
    depict.init(config());
    await depict.flush();
    await vi.waitFor(() => expect(sent()).toMatchObject([{ type: 'page_view' }]));
  });
});

describe('window.depict', () => {
  it('is left alone by default', async () => {
    depict.init(config());
    expect((window as { depict?: unknown }).depict).toBeUndefined();
  });

  it('with global: true, is installed, and what the two-line stub queued there is replayed', async () => {
    // the README's stub, as a theme's inline code runs it before the bundle
    const w = window as unknown as { depict: { q?: [string, ArrayLike<unknown>][]; loaded?: true } & Record<string, any> };
    w.depict = { q: [] };
    for (const m of 'track set page purchase consent flush debug'.split(' '))
      w.depict[m] = function (...args: unknown[]) {
        w.depict.q!.push([m, args]);
      };
    w.depict.track('click', { product_id: 'from-stub', search_result_id: 'sr-1' });
    depict.track('add_to_cart', { product_id: 'from-module' });

    depict.init(config({ global: true }));
    expect(w.depict.loaded).toBe(true);
    expect(w.depict.q).toBeUndefined();
    w.depict.track('page_view');
    await w.depict.flush();
    await vi.waitFor(() => expect(sent().map((e) => e.product_id ?? e.type)).toEqual(['from-module', 'from-stub', 'page_view']));
  });

  it("this module bundled twice (two bundles of the shop's, each with its copy): the second init starts no second tracker", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    depict.init(config({ capture: 'page_view' }));
    vi.resetModules();
    const copy: Esm = await import('../src/esm');
    copy.init(config({ capture: 'page_view' }));
    expect(String(warn.mock.calls[0][0])).toContain('already runs');
    copy.track('click', { product_id: 'p' });
    await copy.flush();
    await vi.waitFor(() => expect(sent()).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 100));
    expect(sent().map((e) => e.type).sort()).toEqual(['click', 'page_view']);
  });

  it('when the depict.js tag already runs, init starts no second tracker and calls go to the tag', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const tag = { loaded: true, track: vi.fn(), set: vi.fn(), page: vi.fn(), purchase: vi.fn(), flush: vi.fn(), consent: vi.fn(), debug: vi.fn() };
    (window as { depict?: unknown }).depict = tag;
    depict.track('page_view');
    depict.init(config());
    depict.track('click', { product_id: 'p' });
    expect(tag.track.mock.calls).toEqual([['page_view'], ['click', { product_id: 'p' }]]);
    expect(String(warn.mock.calls[0][0])).toContain('already runs');
  });

  it('a depict.js tag that did not start (its settings missing) does not stand in for init: init starts the tracker', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // the tag's entry, run with no script tag: no settings
    await import('../src/index');
    expect(String(error.mock.calls[0][0])).toContain('not started');
    expect((window as { depict?: { loaded?: boolean } }).depict?.loaded).toBe(true);
    depict.init(config());
    depict.track('click', { product_id: 'p' });
    await depict.flush();
    await vi.waitFor(() => expect(sent().map((e) => e.product_id)).toEqual(['p']));
    expect(warn).not.toHaveBeenCalled();
  });
});

/** A consumer's directory with this package in its node_modules, as installed: its
 * package.json (the `exports` a resolver reads); the caller adds what it needs of dist/esm. */
function installed(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const pkg = join(dir, 'node_modules', 'depict-snippet');
  mkdirSync(join(pkg, 'dist', 'esm'), { recursive: true });
  copyFileSync('package.json', join(pkg, 'package.json'));
  return { dir, pkg };
}

// compiling takes seconds, more on a busy machine
describe('the published declarations', { timeout: 60_000 }, () => {
  // dist/esm as it would be installed: the package's package.json (its `exports`) and the
  // declarations as build.mjs writes them, in a node_modules of a consumer of its own
  const { dir, pkg } = installed('depict-types-');

  function check(moduleResolution: 'NodeNext' | 'Bundler') {
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: moduleResolution == 'NodeNext' ? ts.ModuleKind.NodeNext : ts.ModuleKind.ESNext,
      moduleResolution: moduleResolution == 'NodeNext' ? ts.ModuleResolutionKind.NodeNext : ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      // our declarations are checked, TypeScript's own lib files are not
      skipLibCheck: false,
      skipDefaultLibCheck: true,
    };
    const program = ts.createProgram([join(dir, 'consumer.ts')], options);
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file ? d.file.fileName.replace(dir, '') + ': ' : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }

  it('build.mjs --types writes them', () => {
    const r = spawnSync(process.execPath, ['build.mjs', `--types=${join(pkg, 'dist', 'esm')}`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
    writeFileSync(
      join(dir, 'consumer.ts'),
      readFileSync('test/types-check.ts', 'utf8').replace("from '../src/esm'", "from 'depict-snippet'"),
    );
    expect(readFileSync(join(dir, 'consumer.ts'), 'utf8')).toContain("from 'depict-snippet'");
  });

  it('type-check a consumer with NodeNext resolution: right uses pass, misuses fail', () => {
    expect(check('NodeNext')).toEqual([]);
  });

  it('type-check a consumer with Bundler resolution too', () => {
    expect(check('Bundler')).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});

// a bundler that meets `require('depict-snippet')` (CommonJS code in a shop's bundle) resolves
// with the `require` and `default` conditions, never `import`
describe("the package's exports", () => {
  it("a bundler's require() finds the ES module", async () => {
    const { build } = await import('esbuild');
    const { dir, pkg } = installed('depict-require-');
    await build({ entryPoints: ['src/esm.ts'], bundle: true, format: 'esm', outfile: join(pkg, 'dist', 'esm', 'index.js'), logLevel: 'silent' });
    writeFileSync(join(dir, 'consumer.cjs'), "module.exports = Object.keys(require('depict-snippet')).sort();");
    const out = await build({ entryPoints: [join(dir, 'consumer.cjs')], bundle: true, format: 'cjs', write: false, logLevel: 'silent' });
    const mod = { exports: [] as string[] };
    new Function('module', 'exports', out.outputFiles[0].text)(mod, mod.exports);
    expect(mod.exports).toEqual(expect.arrayContaining(['init', 'track', 'flush']));
    rmSync(dir, { recursive: true, force: true });
  });
});

// README, "With a bundler": `npm pack`, then `npm install ../path/to/depict-snippet-0.1.0.tgz`
// in the shop. The package as packed (its `files`, its scripts), installed as npm installs it:
// a lifecycle script of this repository's that ran there would fail the shop's install
describe('the packed package, installed as the README says', () => {
  it('installs, and a shop can import it', { timeout: 60_000 }, async () => {
    const { build } = await import('esbuild');
    const src = mkdtempSync(join(tmpdir(), 'depict-pack-'));
    const shop = mkdtempSync(join(tmpdir(), 'depict-shop-'));
    try {
      copyFileSync('package.json', join(src, 'package.json'));
      await build({ entryPoints: ['src/esm.ts'], bundle: true, format: 'esm', outfile: join(src, 'dist', 'esm', 'index.js'), logLevel: 'silent' });
      writeFileSync(join(src, 'dist', 'depict.js'), '');
      // (packing runs `prepare`, which needs this repository's scripts/: not here)
      const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', shop], { cwd: src, encoding: 'utf8' });
      expect(pack.status, pack.stderr).toBe(0);
      const tgz = join(shop, JSON.parse(pack.stdout)[0].filename);
      writeFileSync(join(shop, 'package.json'), '{"name": "shop", "version": "1.0.0", "type": "module"}');
      const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], { cwd: shop, encoding: 'utf8' });
      expect(install.status, install.stderr).toBe(0);
      // and no install script of ours for npm to flag there (npm 11: "has install scripts not
      // yet covered by allowScripts"), even one that would not run
      const { scripts = {} } = JSON.parse(readFileSync(join(shop, 'node_modules', 'depict-snippet', 'package.json'), 'utf8'));
      expect(Object.keys(scripts).filter((s) => /^(pre|post)?(install|prepare)$/.test(s))).toEqual([]);
      expect(install.stderr).not.toContain('install scripts');
      writeFileSync(join(shop, 'shop.js'), "import { init } from 'depict-snippet'; console.log(typeof init);");
      expect(spawnSync(process.execPath, ['shop.js'], { cwd: shop, encoding: 'utf8' }).stdout.trim()).toBe('function');
    } finally {
      rmSync(src, { recursive: true, force: true });
      rmSync(shop, { recursive: true, force: true });
    }
  });
});
