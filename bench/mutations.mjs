#!/usr/bin/env node
// What the snippet's MutationObserver costs a page whose framework re-renders its cards: two
// builds of depict.js on a page of 5,000 product cards, in alternating order (A B B A ...), in
// headless Chromium. Each run re-renders every card's price 20 times, one task each (100,000
// mutation records), and reads the main thread's script time (CDP Performance metrics, thread
// CPU time) over it: the page's own re-rendering and the snippet's work on its records.
//
//   node bench/mutations.mjs A.js B.js [--runs 6] [--elements]
//
// text (default): each price's text node replaced, as a framework patches text;
// --elements: each price's <span> replaced by a new one (elements put in the cards).
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { alternate, spread } from './stats.mjs';

const argv = process.argv.slice(2);
const [A, B] = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] != '--runs');
const RUNS = +(argv.includes('--runs') ? argv[argv.indexOf('--runs') + 1] : 6);
const ELEMENTS = argv.includes('--elements');
if (!A || !B) throw new Error('usage: node bench/mutations.mjs A.js B.js [--runs 6] [--elements]');

const builds = { [A]: readFileSync(A, 'utf8'), [B]: readFileSync(B, 'utf8') };
const cards = Array.from(
  { length: 5000 },
  (_, i) => `<article data-depict-product-id="p${i}" data-depict-product-listing-result-id="l${i}"><h3>Card ${i}</h3><span class="price">${i} kr</span></article>`,
).join('');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium' });
const ms = await alternate(RUNS, async (n) => {
  const name = n == 'A' ? A : B;
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  // the snippet inline (its own tag gives its settings), sending nowhere: the page's work only
  const html = `<!doctype html><html><head><script data-tenant="t" data-market="m" data-api-key="k" data-endpoint="http://127.0.0.1:9/x">${builds[name]}</script></head><body><main>${cards}</main></body></html>`;
  await page.route('http://shop.test/', (r) => r.fulfill({ contentType: 'text/html', body: html }));
  await page.goto('http://shop.test/');
  await page.waitForTimeout(1500);
  const script = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name == 'ScriptDuration').value * 1e3;
  const before = await script();
  for (let k = 0; k < 20; k++)
    await page.evaluate(
      ([k, elements]) => {
        for (const p of document.querySelectorAll('.price'))
          elements
            ? p.replaceWith(Object.assign(document.createElement('span'), { className: 'price', textContent: k + ' kr' }))
            : p.replaceChildren(document.createTextNode(k + ' kr'));
      },
      [k, ELEMENTS],
    );
  await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  const t = (await script()) - before;
  await page.close();
  return t;
});
await browser.close();
console.log(`script time over 20 re-renders of 5,000 cards' prices (${ELEMENTS ? 'elements' : 'text'}), median of ${RUNS} runs (min–max):`);
for (const [n, name] of [['A', A], ['B', B]]) console.log(`  ${name}: ${spread(ms[n])} ms`);
