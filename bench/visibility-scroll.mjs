#!/usr/bin/env node
// What keeping seen cards observed costs: two builds of depict.js on the bench's 5,000-card
// page, in alternating order (A B B A ...), in headless Chromium.
//
//   node bench/visibility-scroll.mjs A.js B.js [--runs 5] [--scenario sweep|browse] [--count]
//
// sweep: top to bottom and back, a viewport a frame (as bench/run.mjs scrolls, both ways).
// browse: 10 stops 3/4 of a viewport apart, 1.2 s at each (so the cards there are seen),
//   moving 50 px a frame between them, down and up, twice: seen cards come back into view.
// Timing runs (default): CDP Performance metrics (thread CPU time), at start-up (load, ready,
// 1 s idle) and over the scenario. --count: separate runs with IntersectionObserver and
// setTimeout wrapped, to count callbacks, their time in the snippet's callback, and timers.
import { chromium } from '@playwright/test';
import { page as shopPage } from './page.mjs';
import { scriptTag, VARIANTS } from './peers.mjs';
import { startServer } from './server.mjs';
import { alternate, spread } from './stats.mjs';

const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
const [A, B] = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--runs') && !argv[i - 1]?.startsWith('--scenario'));
const RUNS = +opt('--runs', 5);
const SCENARIO = opt('--scenario', 'sweep');
const COUNT = argv.includes('--count');
const CARDS = 5000;

const depict = VARIANTS.find((v) => v.name == 'depict');
const srv = await startServer({
  scripts: { 'A.js': A, 'B.js': B },
  pageFor: (name, cards, collector) => shopPage({ cards, head: scriptTag({ ...depict, name }, collector) }),
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1', '--disable-blink-features=AutomationControlled'],
});

const INSTRUMENT = () => {
  const C = (window.__vis = { ioCalls: 0, ioEntries: 0, ioMs: 0, observed: 0, timers: 0, timers1s: 0, fired1s: 0 });
  const IO = IntersectionObserver;
  window.IntersectionObserver = class extends IO {
    constructor(cb, o) {
      super((e, ob) => {
        const t = performance.now();
        C.ioCalls++;
        C.ioEntries += e.length;
        try {
          cb(e, ob);
        } finally {
          C.ioMs += performance.now() - t;
        }
      }, o);
    }
    observe(el) {
      C.observed++;
      return super.observe(el);
    }
    unobserve(el) {
      C.observed--;
      return super.unobserve(el);
    }
  };
  const st = setTimeout;
  window.setTimeout = function (f, ms, ...a) {
    C.timers++;
    if (ms === 1000) C.timers1s++;
    return st.call(this, ms === 1000 && typeof f == 'function' ? (...x) => (C.fired1s++, f(...x)) : f, ms, ...a);
  };
};

async function metrics(cdp) {
  const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
  return { script: m.ScriptDuration * 1e3, task: m.TaskDuration * 1e3 };
}

const sweep = () =>
  new Promise((done) => {
    let dir = 1;
    const step = () => {
      scrollBy(0, dir * innerHeight);
      if (dir == 1 && scrollY + innerHeight >= document.documentElement.scrollHeight - 1) dir = -1;
      if (dir == -1 && scrollY == 0) return done();
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });

const browse = () =>
  new Promise((done) => {
    const stops = Array.from({ length: 10 }, (_, k) => Math.round(k * 0.75 * innerHeight));
    const path = [...stops, ...stops.slice(0, -1).reverse().slice(0, -1)];
    const route = [...path, ...path, 0]; // down, up, down, up
    let i = 0;
    const go = () => {
      if (i == route.length) return done();
      const to = route[i++];
      const step = () => {
        const d = to - scrollY;
        scrollBy(0, Math.sign(d) * Math.min(50, Math.abs(d)));
        if (scrollY == to) setTimeout(go, 1200);
        else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    };
    go();
  });

async function run(name) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (COUNT) await ctx.addInitScript(INSTRUMENT);
  const page = await ctx.newPage();
  page.on('crash', () => console.log('page crashed'));
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const t0 = Date.now();
  await page.goto(srv.pageUrl(name, CARDS), { waitUntil: 'load' });
  await page.waitForFunction(() => window.depict?.loaded);
  await page.waitForTimeout(1000);
  const startup = await metrics(cdp);
  const c0 = COUNT ? await page.evaluate(() => ({ ...window.__vis })) : null;
  const before = await metrics(cdp);
  await page.evaluate(SCENARIO == 'sweep' ? sweep : browse);
  await page.waitForTimeout(1100);
  const after = await metrics(cdp);
  const c1 = COUNT ? await page.evaluate(() => ({ ...window.__vis })) : null;
  const posts = (srv.snapshot().counts[name] || {}).posts;
  srv.reset();
  await ctx.close();
  const r = { startupScript: startup.script, startupTask: startup.task, script: after.script - before.script, task: after.task - before.task, posts, wallS: (Date.now() - t0) / 1e3 };
  if (COUNT) for (const k in c1) (r['startup_' + k] = c0[k]), (r[k] = k == 'observed' ? c1[k] : c1[k] - c0[k]);
  return r;
}

const res = await alternate(RUNS, async (n) => {
  const x = await run(n);
  console.log(`${n} ${JSON.stringify(Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v == 'number' ? +v.toFixed(2) : v])))}`);
  return x;
});
console.log(`\n${SCENARIO}${COUNT ? ' (instrumented)' : ''}, ${RUNS} runs each; median (min–max)`);
for (const k of Object.keys(res.A[0])) {
  const f = (n) => spread(res[n].map((x) => x[k]));
  console.log(`${k.padEnd(22)} A ${f('A').padEnd(28)} B ${f('B')}`);
}
await browser.close();
await srv.close();
