// The variants and how each one is set up: the tracker's own package, bundled with esbuild
// (minified) into one file, bench/.build/<name>.js, configured for the nearest equivalent of
// what our snippet does — a page view on load and on every client-side navigation, and a
// capture of product clicks and add-to-cart clicks — with its endpoint on the bench server.
// Each bundle reads its endpoint from its own script tag (data-endpoint), so a bundle is built
// once and the page loads exactly one script file per variant.
//
// Each bundle also sets `window.__bench = { ready, track(i) }`: `track(i)` is the tracker's
// own track-equivalent for the track() micro-benchmark; `ready` resolves once it has started.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { squeeze } from '../scripts/minify.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..');
export const OUT = join(here, '.build');

/** Umami: the `umami` package on npm is the whole server app (Next.js, Prisma: hundreds of
 * dependencies and a Prisma engine download at install), which ships its tracker only as
 * source, src/tracker/index.js. So it is not in bench/package.json: the bench asks npm for
 * that one tarball (`npm pack`, integrity pinned below) and bundles the tracker file. */
export const UMAMI = {
  version: '2.10.0',
  integrity: 'sha512-+lmrnV0751R6U2rkIgVAlE1nWI7yZawlMlJDguW9tlFacCKhnGeCyc7tCMIhNNYIiGIQy4DEX5IzJhm4b3+dPA==',
};

/** The glue every peer shares: its config from its script tag, the page's product and
 * add-to-cart clicks (delegated, capture phase, like our snippet's), and the shop's
 * client-side navigations (the shop's router fires `bench:navigate` after pushState). */
const GLUE = `
const TAG = document.currentScript;
const E = TAG.dataset.endpoint;
const onProductClick = (fn) => document.addEventListener('click', (e) => {
  const t = e.target instanceof Element ? e.target : null;
  const card = t && t.closest('[data-depict-product-id],[data-recommendation-id]');
  if (!card) return;
  fn(t.closest('.depict-add-to-cart') ? 'add_to_cart' : 'click', card.getAttribute('data-depict-product-id'));
}, { capture: true, passive: true });
const onNavigate = (fn) => addEventListener('bench:navigate', fn);
const bench = (window.__bench = { ready: Promise.resolve(), track: () => {} });
`;

/**
 * The variants, in the order they are printed. `entry`: the bundle's source (esbuild stdin,
 * resolved from bench/); `pkg`: the npm package whose version is reported; `attrs`: the
 * script tag's attributes besides src and data-endpoint.
 */
export const VARIANTS = [
  { name: 'baseline', label: 'no tracker' },
  {
    name: 'depict',
    label: 'Depict (ours)',
    ours: true,
    attrs: { 'data-tenant': 'bench', 'data-market': 'se', 'data-api-key': 'bench-key' },
    endpointPath: '/create-events',
    note: 'dist/depict.js as shipped, default config: page_view, click, add_to_cart, element_visible, recommendations_inserted, purchase',
  },
  {
    // the peers' work and no more: page views and clicks, no impressions or widget insertions
    name: 'depict-lean',
    label: 'Depict, page views + clicks',
    ours: true,
    attrs: { 'data-tenant': 'bench', 'data-market': 'se', 'data-api-key': 'bench-key', 'data-capture': 'page_view click add_to_cart' },
    endpointPath: '/create-events',
    note: 'dist/depict.js with data-capture="page_view click add_to_cart": the nearest equivalent of what the peers are set up to do',
  },
  {
    name: 'plausible',
    label: 'Plausible',
    pkg: '@plausible-analytics/tracker',
    note: 'init(): pageviews (incl. pushState), outbound links; track() on product/add-to-cart clicks',
    entry: `import { init, track } from '@plausible-analytics/tracker';
${GLUE}
init({ domain: 'shop.example', endpoint: E + '/api/event', captureOnLocalhost: true, outboundLinks: true, logging: false });
onProductClick((type, id) => track(type == 'click' ? 'Product Click' : 'Add To Cart', { props: { product_id: id } }));
bench.track = (i) => track('Product Click', { props: { product_id: 'p-' + i } });`,
  },
  {
    name: 'umami',
    label: 'Umami',
    pkg: 'umami',
    attrs: { 'data-website-id': '00000000-0000-4000-8000-000000000000' },
    hostAttr: 'data-host-url',
    note: 'the tracker of umami@' + UMAMI.version + ' (src/tracker/index.js): pageviews incl. pushState; umami.track() on product/add-to-cart clicks',
    entry: `${GLUE}
import './.build/umami-tracker.js';
onProductClick((type, id) => umami.track(type == 'click' ? 'product-click' : 'add-to-cart', { product_id: id }));
bench.track = (i) => umami.track('product-click', { product_id: 'p-' + i });`,
  },
  {
    name: 'segment',
    label: 'Segment',
    pkg: '@segment/analytics-next',
    note: 'AnalyticsBrowser.load() with local cdnSettings (no CDN call, metrics off); page() on load and navigation; track() on product/add-to-cart clicks',
    entry: `import { AnalyticsBrowser } from '@segment/analytics-next';
${GLUE}
const host = E.replace(/^https?:\\/\\//, '');
const seg = { apiKey: 'bench', apiHost: host, protocol: 'http' };
const analytics = AnalyticsBrowser.load(
  { writeKey: 'bench', cdnSettings: { integrations: { 'Segment.io': seg }, metrics: { sampleRate: 0 } } },
  { integrations: { 'Segment.io': { apiHost: host, protocol: 'http' } } },
);
analytics.page();
onNavigate(() => analytics.page());
onProductClick((type, id) => analytics.track(type == 'click' ? 'Product Clicked' : 'Product Added', { product_id: id }));
bench.ready = analytics.then(([a]) => {
  bench.track = (i) => a.track('Product Clicked', { product_id: 'p-' + i });
});`,
  },
  {
    name: 'snowplow',
    label: 'Snowplow',
    pkg: '@snowplow/browser-tracker',
    extraPkgs: ['@snowplow/browser-plugin-link-click-tracking'],
    note: 'newTracker() (POST, defaults) + link click tracking plugin; trackPageView() on load and navigation; trackStructEvent() on add-to-cart',
    entry: `import { newTracker, trackPageView, trackStructEvent } from '@snowplow/browser-tracker';
import { LinkClickTrackingPlugin, enableLinkClickTracking } from '@snowplow/browser-plugin-link-click-tracking';
${GLUE}
newTracker('sp', E, { appId: 'bench-shop', plugins: [LinkClickTrackingPlugin()] });
enableLinkClickTracking();
trackPageView();
onNavigate(() => trackPageView());
onProductClick((type, id) => type == 'add_to_cart' && trackStructEvent({ category: 'product', action: 'add_to_cart', label: id }));
bench.track = (i) => trackStructEvent({ category: 'product', action: 'click', label: 'p-' + i });`,
  },
  {
    name: 'posthog',
    label: 'PostHog',
    pkg: 'posthog-js',
    note: "posthog.init(): autocapture on, capture_pageview 'history_change'; flags/remote config, external scripts, recording, surveys off",
    entry: `import posthog from 'posthog-js';
${GLUE}
posthog.init('phc_bench', {
  api_host: E,
  autocapture: true,
  capture_pageview: 'history_change',
  advanced_disable_flags: true,
  disable_external_dependency_loading: true,
  disable_session_recording: true,
  disable_surveys: true,
  disable_product_tours: true,
  disable_conversations: true,
  capture_exceptions: false,
  opt_out_useragent_filter: true,
});
bench.track = (i) => posthog.capture('product_clicked', { product_id: 'p-' + i });`,
  },
];

export { sizes } from '../scripts/sizes.mjs';

/** How every script of the bench is bundled: one minified IIFE, as a page loads it; then
 * `squeeze` (terser), the second pass build.mjs gives ours, so sizes compare like for like. */
const IIFE = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'error',
};

/** The installed version of a package of bench/ (or of the root). */
export function versionOf(pkg) {
  for (const dir of [join(here, 'node_modules'), join(ROOT, 'node_modules')]) {
    const f = join(dir, pkg, 'package.json');
    if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8')).version;
  }
}

/** Gets umami's tracker source out of the npm tarball (once; cached in bench/.build/). */
function umamiTracker() {
  const out = join(OUT, 'umami-tracker.js');
  if (existsSync(out)) return out;
  const tgz = join(OUT, `umami-${UMAMI.version}.tgz`);
  if (!existsSync(tgz)) {
    const r = spawnSync('npm', ['pack', `umami@${UMAMI.version}`, '--pack-destination', OUT, '--silent'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0 || !existsSync(tgz)) throw new Error('npm pack umami failed: ' + (r.stderr || r.error || '').toString().trim());
  }
  const sri = 'sha512-' + createHash('sha512').update(readFileSync(tgz)).digest('base64');
  if (sri !== UMAMI.integrity) throw new Error(`umami-${UMAMI.version}.tgz: integrity mismatch`);
  const src = execFileSync('tar', ['-xzOf', tgz, 'package/src/tracker/index.js'], { maxBuffer: 1 << 24 });
  writeFileSync(out, src);
  return out;
}

/** Our snippet: `node build.mjs` at the root; if that fails (a size budget, someone
 * mid-edit), the same esbuild options into bench/.build/depict.js; else the dist/ there is. */
export async function buildOurs(log = console.log) {
  const dist = join(ROOT, 'dist/depict.js');
  const r = spawnSync(process.execPath, ['build.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0 && existsSync(dist)) return { file: dist, how: 'node build.mjs → dist/depict.js' };
  log(`  node build.mjs failed (${(r.stderr || r.stdout || '').trim().split('\n').pop()}); building bench/.build/depict.js`);
  try {
    const file = join(OUT, 'depict.js');
    await build({
      ...IIFE,
      entryPoints: [join(ROOT, 'src/index.ts')],
      outfile: file,
    });
    await squeeze(file);
    return { file, how: 'esbuild src/index.ts → bench/.build/depict.js (node build.mjs failed)' };
  } catch (e) {
    if (existsSync(dist)) return { file: dist, how: 'the existing dist/depict.js (both builds failed)' };
    throw e;
  }
}

/** Bundles every peer. Returns name → { file, version, ... } or { error } when it cannot be had. */
export async function buildPeers(log = console.log) {
  mkdirSync(OUT, { recursive: true });
  const out = {};
  for (const v of VARIANTS.filter((v) => v.entry)) {
    try {
      if (v.name == 'umami') umamiTracker();
      const file = join(OUT, v.name + '.js');
      await build({
        stdin: { contents: v.entry, resolveDir: here, sourcefile: v.name + '-entry.js', loader: 'js' },
        ...IIFE,
        outfile: file,
        define: { 'process.env.NODE_ENV': '"production"' },
      });
      await squeeze(file);
      const versions = {};
      versions[v.pkg] = v.name == 'umami' ? UMAMI.version : versionOf(v.pkg);
      for (const p of v.extraPkgs || []) versions[p] = versionOf(p);
      out[v.name] = { file, versions };
    } catch (e) {
      log(`  ${v.name}: skipped — ${e.message.split('\n')[0]}`);
      out[v.name] = { error: e.message.split('\n')[0] };
    }
  }
  return out;
}

/** The init-script bundle: web-vitals' onINP (the attribution-free build), reporting all
 * changes, plus the Event Timing and Long Tasks observers; read back by run.mjs. */
export async function buildProbe() {
  const file = join(OUT, 'probe.js');
  await build({
    stdin: {
      resolveDir: here,
      sourcefile: 'probe-entry.js',
      contents: `import { onINP } from 'web-vitals';
const P = (window.__probe = { inp: null, inpReports: 0, eventMax: 0, events: 0, longTasks: [] });
onINP((m) => { P.inp = m.value; P.inpReports++; }, { reportAllChanges: true, durationThreshold: 16 });
new PerformanceObserver((l) => { for (const e of l.getEntries()) { P.events++; if (e.duration > P.eventMax) P.eventMax = e.duration; } })
  .observe({ type: 'event', buffered: true, durationThreshold: 16 });
new PerformanceObserver((l) => { for (const e of l.getEntries()) P.longTasks.push([e.startTime, e.duration]); })
  .observe({ type: 'longtask', buffered: true });`,
    },
    outfile: file,
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    logLevel: 'error',
  });
  return readFileSync(file, 'utf8');
}

/** The tracker's <script> tag for a variant (none for the baseline). */
export function scriptTag(v, collector) {
  if (v.name == 'baseline') return '';
  const attrs = { ...v.attrs };
  if (v.hostAttr) attrs[v.hostAttr] = collector;
  attrs['data-endpoint'] = collector + (v.endpointPath || '');
  const a = Object.entries(attrs)
    .map(([k, x]) => ` ${k}="${x}"`)
    .join('');
  return `<script async src="/t/${v.name}.js"${a}></script>`;
}
