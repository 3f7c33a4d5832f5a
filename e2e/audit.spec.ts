// `npm run audit` (scripts/audit.mjs), run as a user runs it, in a child process: clean on
// the demo shop's pages, and finding each mistake planted in e2e/fixtures/. The fixtures are
// served by a tiny server of the test's own (the collector serves only public/ and dist/).
import { expect, test } from './test';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE, stored } from './helpers';

interface Problem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  path?: string;
  html?: string;
  elements?: string[];
}

interface Report {
  url: string;
  snippet: { tenant: string | null; endpoint: string | null; endpointReachable?: boolean; loaded: boolean; started: boolean };
  counts: Record<string, any>;
  events: Record<string, any>[];
  problems: Problem[];
  errors: number;
  warnings: number;
}

/** Runs the audit; resolves to its exit status and output. */
function audit(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/audit.mjs', ...args], { maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code == 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

async function auditJson(url: string, ...args: string[]): Promise<{ status: number; report: Report }> {
  const { status, stdout, stderr } = await audit(url, '--json', ...args);
  expect(stderr, 'the audit wrote to stderr').toBe('');
  return { status, report: JSON.parse(stdout) };
}

/** Pages of the spec's own, served like the fixtures (with __BASE__ replaced): a script tag
 * whose settings the snippet reads otherwise than meant, and one whose settings are right. */
const PAGES: Record<string, string> = {
  'bad-settings': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad settings</title>
<script>window.depictConfig = { attributionHours: '2d', privacySignal: 'dnt', consent: window.notLoadedYet };</script>
<script async src="__BASE__/depict.js" data-tenant="bad-settings" data-market="se" data-api-key="k"
        data-endpoint="__BASE__/create-events" data-consent="yes" data-capture="pageview click"
        data-batch-ms="1s" data-privacy-signals="gcp" data-tenat="x" data-strip-param="email"></script>
</head><body><p>Nothing to see</p></body></html>`,
  'good-settings': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Good settings</title>
<script>window.depictConfig = { attributionHours: 12, capture: ['page_view', 'click'] };</script>
<script async src="__BASE__/depict.js" data-tenant="good-settings" data-market="se" data-api-key="k"
        data-endpoint="__BASE__/create-events" data-consent="granted" data-capture="page_view, click add_to_cart"
        data-batch-ms="50" data-privacy-signals="gpc dnt" data-session-minutes="30" data-attribution-hours="0.5"
        data-debug="off" data-strip-params="email token"></script>
</head><body><p>Nothing to see</p></body></html>`,
  'wrong-src': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wrong path</title>
<script async src="__BASE__/cdn/depict.js" data-tenant="wrong-src" data-market="se" data-api-key="k"
        data-endpoint="__BASE__/create-events"></script>
</head><body><p>Nothing to see</p></body></html>`,
  'wrong-endpoint': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wrong endpoint</title>
<script async src="__BASE__/depict.js" data-tenant="wrong-endpoint" data-market="se" data-api-key="k"
        data-endpoint="__BASE__/create-event" data-batch-ms="50"></script>
</head><body><p>Nothing to see</p></body></html>`,
  'dry-run': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Thank you</title>
<script async src="__BASE__/depict.js" data-tenant="dry-run" data-market="se" data-api-key="k"
        data-endpoint="__BASE__/create-events" data-batch-ms="50"></script>
</head><body><script type="application/json" data-depict-purchase>
{"transaction_id": "T-DRY", "currency": "SEK", "items": [{"product_id": "p-1", "price": "1 299,00"}, {"product_id": "p-2", "price": 499}]}
</script></body></html>`,
};

let server: Server;
let fixtures: string;
let closed: number;

test.beforeAll(async () => {
  // a port nothing listens on: take a free one and let it go
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closed = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));

  server = createServer(async (req, res) => {
    const name = /^\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    const html = name && (PAGES[name] ?? (await readFile(`e2e/fixtures/${name}.html`, 'utf8').catch(() => undefined)));
    if (!html) return void res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>Not found</h1>');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html.replaceAll('__BASE__', BASE).replaceAll('__UNREACHABLE__', `http://127.0.0.1:${closed}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fixtures = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

// each audit opens a browser, scrolls, waits
test.describe.configure({ timeout: 90_000 });
// the audit drives a Chromium of its own, whatever the project's engine: run in the chromium
// project only (playwright.config.ts)

for (const path of ['/', '/category.html', '/product.html?id=p-1001', '/search.html?q=dress', '/order-static.html']) {
  test(`the demo shop is clean: ${path}`, async () => {
    const { status, report } = await auditJson(BASE + path);
    expect(report.problems.filter((p) => p.severity == 'error')).toEqual([]);
    expect(status).toBe(0);
    expect(report.snippet).toMatchObject({ tenant: 'demo', endpoint: `${BASE}/create-events`, endpointReachable: true, loaded: true, started: true });
    expect(report.events.map((e) => e.type)).toContain('page_view');
    expect(report.counts.consoleWarnings + report.counts.consoleErrors).toBe(0);
    // the infinite listing repeats the catalog: a warning, not an error
    if (path == '/category.html') {
      expect(report.counts.productElements).toBe(48);
      expect(report.problems.map((p) => p.code)).toEqual(['duplicate-product-id']);
    } else expect(report.problems).toEqual([]);
    if (path == '/order-static.html') expect(report.events.filter((e) => e.type == 'purchase')).toHaveLength(2);
  });
}

test('finds each mistake planted in broken-shop.html, where it is', async () => {
  const { status, report } = await auditJson(`${fixtures}/broken-shop`);
  expect(status).toBe(1);
  const found = (code: string, where?: string) => {
    const hits = report.problems.filter((p) => p.code == code && (!where || p.path == where || p.elements?.includes(where)));
    expect(hits, `${code} at ${where ?? 'the page'} in\n${JSON.stringify(report.problems, null, 1)}`).toHaveLength(1);
    return hits[0];
  };
  expect(found('product-without-id', 'article#no-id').severity).toBe('error');
  expect(found('result-without-product-id', 'article#result-only').severity).toBe('warning');
  expect(found('duplicate-product-id', 'div#grid')).toMatchObject({ severity: 'warning', elements: ['article#p2-again'] });
  expect(found('duplicate-result-id', 'article#dup-result')).toMatchObject({ severity: 'error', message: expect.stringContaining('"sr-dup"') });
  expect(found('entity-identifiers-not-json', 'article#bad-json').severity).toBe('error');
  expect(found('unknown-attribute', 'article#typo').message).toContain('did you mean data-depict-product-id?');
  expect(found('unknown-attribute', 'head > meta:nth-of-type(3)').message).toContain('did you mean depict-currency?');
  expect(found('widget-without-products', 'section#empty-widget').severity).toBe('error');
  expect(found('add-to-cart-without-product', 'button#orphan-button').severity).toBe('error');
  expect(found('unknown-event', 'button#bad-event').message).toContain('"addtocart"');
  expect(found('purchase-block-not-json').severity).toBe('error');
  // a printed price is read, as the snippet reads it; no price at all is a warning
  expect(found('price-not-a-number', 'article#no-price').severity).toBe('warning');
  expect(report.problems.filter((p) => p.code == 'price-not-a-number')).toHaveLength(1);
  // what the page sent: its impressions, one of them of a product without an id
  expect(report.snippet).toMatchObject({ tenant: 'broken-shop', endpointReachable: true, loaded: true });
  expect(report.events.map((e) => e.type)).toEqual(expect.arrayContaining(['page_view', 'recommendations_inserted', 'element_visible']));
  expect(found('event-element_visible-without-product-id').severity).toBe('warning');
  // and what the snippet said about it
  expect(report.problems.filter((p) => p.code == 'console-warning').map((p) => p.message)).toEqual(
    expect.arrayContaining([expect.stringContaining('[depict] a data-depict-purchase block is not valid JSON')]),
  );
  // the card without mistakes is not mentioned
  expect(JSON.stringify(report.problems)).not.toContain('plr-1"');
  expect(report.errors).toBe(report.problems.filter((p) => p.severity == 'error').length);
});

test('--dry-run: the events are answered by the audit and reported, and none reaches the endpoint', async ({ request }) => {
  // the fixture's tenant is the same in every run (--repeat-each): what is stored already counts
  const before = (await stored(request, 'dry-run')).length;
  const { status, report } = await auditJson(`${fixtures}/dry-run`, '--dry-run');
  expect(status).toBe(0);
  expect(report.counts).toMatchObject({ dryRun: true, sentAgain: 0 });
  expect(report.events.map((e) => e.type).sort()).toEqual(['page_view', 'purchase', 'purchase']);
  expect(report.problems).toEqual([]);
  expect(await stored(request, 'dry-run')).toHaveLength(before);
  // and without it they are sent
  await auditJson(`${fixtures}/dry-run`);
  const after = await stored(request, 'dry-run');
  expect(after.slice(before).filter((e) => e.type != 'purchase').map((e) => e.type)).toEqual(['page_view']);
  // (a purchase's deduplication_id is its order line's: stored once, however often sent)
  expect(after.filter((e) => e.type == 'purchase')).toHaveLength(2);
});

test('finds a script tag without data-api-key, an endpoint that does not answer, and prints a readable report', async () => {
  const { status, stdout } = await audit(`${fixtures}/broken-tag`);
  expect(status).toBe(1);
  expect(stdout).toContain(`Depict audit of ${fixtures}/broken-tag`);
  expect(stdout).toMatch(/elements\s+1 product element · 0 widgets/);
  expect(stdout).toMatch(/\d+ errors?, \d+ warnings?/);
  expect(stdout).toMatch(/✖ error\s+the script tag has no data-api-key .*script-tag-missing-attribute/);
  expect(stdout).toMatch(/\n\s+head > script\n/);
  expect(stdout).toMatch(/✖ error\s+data-endpoint http:\/\/127\.0\.0\.1:\d+\/create-events is not reachable: \w+/);
  expect(stdout).toMatch(/✖ error\s+\[depict\] not started: the script tag needs data-api-key/);
  expect(stdout).toMatch(/snippet .* · loaded, not started\n/);
  expect(stdout).not.toContain('no-events');
});

test("an endpoint with a typo in its path (the API answers 404): the report says it answers 404, and to check data-endpoint; the snippet's warning comes without the objects logged with it", async () => {
  const { status, stdout } = await audit(`${fixtures}/wrong-endpoint`);
  expect(status).toBe(1);
  expect(stdout).toMatch(/endpoint http:\/\/localhost:\d+\/create-event \(answers 404\) · started/);
  expect(stdout).toMatch(/✖ error\s+the endpoint refused a batch of 1 events \(404\): .*check data-endpoint/);
  expect(stdout).toMatch(/\[depict\] the API answered 404 .*; the events are kept\s/);
  expect(stdout).not.toContain('[Object');
});

test('a script tag whose src does not load (a wrong CDN path) is an error, not a clean page', async () => {
  const { status, report } = await auditJson(`${fixtures}/wrong-src`);
  expect(status).toBe(1);
  expect(report.snippet).toMatchObject({ tenant: 'wrong-src', loaded: false, started: false });
  expect(report.problems.filter((p) => p.code == 'snippet-not-loaded')).toEqual([
    expect.objectContaining({ severity: 'error', path: 'head > script', message: expect.stringContaining(`${BASE}/cdn/depict.js`) }),
  ]);
});

test('finds the script tag settings the snippet reads otherwise than meant, and says what it does instead', async () => {
  const { status, report } = await auditJson(`${fixtures}/bad-settings`);
  expect(status).toBe(1);
  const found = (code: string, start: string) => {
    const hits = report.problems.filter((p) => p.code == code && p.message.startsWith(start));
    expect(hits, `${code} "${start}…" in\n${JSON.stringify(report.problems, null, 1)}`).toHaveLength(1);
    return hits[0];
  };
  const tag = { path: 'head > script:nth-of-type(2)', html: expect.stringContaining('data-tenant="bad-settings"') };
  // depictConfig's consent is undefined: the tag's is in force, an error
  expect(found('bad-setting', 'data-consent="yes"')).toMatchObject({
    severity: 'error',
    ...tag,
    message: expect.stringContaining('none of "granted", "pending" and "denied": the snippet treats it as not granted'),
  });
  expect(found('bad-setting', 'data-capture="pageview click"')).toMatchObject({
    severity: 'error',
    message: expect.stringMatching(/"pageview" \(did you mean page_view\?\) is not a capture .*; captured: click$/),
  });
  expect(found('bad-setting', 'data-privacy-signals="gcp"')).toMatchObject({
    severity: 'error',
    message: expect.stringMatching(/"gcp" \(did you mean gpc\?\) is not a privacy signal \(gpc, dnt, none\).*honours Global Privacy Control, not Do Not Track/),
  });
  // a number it cannot read: the default is used, nothing is lost
  expect(found('bad-setting', 'data-batch-ms="1s"')).toMatchObject({ severity: 'warning', message: expect.stringContaining('uses the default, 500') });
  // a misspelt name: a warning when the setting is there too, an error when it is not
  expect(found('unknown-setting', 'data-tenat ')).toMatchObject({ severity: 'warning', ...tag, message: expect.stringContaining('did you mean data-tenant?') });
  expect(found('unknown-setting', 'data-strip-param ')).toMatchObject({
    severity: 'error',
    message: expect.stringContaining('did you mean data-strip-params? That is not set, so its default applies'),
  });
  // window.depictConfig too, where no element is to blame
  const config = found('bad-setting', 'window.depictConfig.attributionHours = "2d"');
  expect(config).toMatchObject({ severity: 'warning', message: expect.stringContaining('uses the default, 24') });
  expect(config.path).toBeUndefined();
  expect(found('unknown-setting', 'window.depictConfig.privacySignal ').message).toContain('did you mean window.depictConfig.privacySignals?');
  expect(report.problems.filter((p) => p.code == 'bad-setting' || p.code == 'unknown-setting')).toHaveLength(8);

  const { stdout } = await audit(`${fixtures}/bad-settings`);
  expect(stdout).toMatch(/✖ error\s+data-consent="yes" on the script tag is none of "granted", "pending" and "denied".*bad-setting/);
  expect(stdout).toMatch(/▲ warning\s+data-tenat on the script tag is not a setting of the snippet: it is ignored; did you mean data-tenant\?\s+unknown-setting/);
});

test('a script tag and window.depictConfig with right settings: nothing to say', async () => {
  const { status, report } = await auditJson(`${fixtures}/good-settings`);
  expect(report.problems).toEqual([]);
  expect(status).toBe(0);
  expect(report.events.map((e) => e.type)).toContain('page_view');
});

test('finds a page without the snippet', async () => {
  const { status, report } = await auditJson(`${fixtures}/no-snippet`);
  expect(status).toBe(1);
  expect(report.problems).toMatchObject([{ severity: 'error', code: 'no-snippet' }]);
  expect(report.counts.productElements).toBe(1);
});

test('bad arguments, or a page that does not load: exit 2, with why', async () => {
  const none = await audit();
  expect(none.status).toBe(2);
  expect(none.stderr).toContain('usage: npm run audit -- <url');
  const gone = await audit(`http://127.0.0.1:${closed}/`, '--json');
  expect(gone.status).toBe(2);
  expect(JSON.parse(gone.stdout).error).toContain('could not open');
  const missing = await auditJson(`${fixtures}/no-such-page`);
  expect(missing.status).toBe(1);
  expect(missing.report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'page-status', message: 'the page answered 404' })]));
});
